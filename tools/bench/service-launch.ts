import { repoRoot } from '@espalier/shared/util-testing';
import type { ServiceLaunch } from '../../test/services/service-process';
import { buildServices, type BuiltService } from '../build/service-build';

/**
 * `--built` on a service benchmark: bundle the services it starts and run
 * them as the Docker image does (SERVICE_NODE_OPTIONS, heap ceiling
 * included) instead of the sources through tsx.
 */
export async function serviceLaunch(services: readonly BuiltService[]): Promise<ServiceLaunch> {
  if (!process.argv.includes('--built')) return {};
  await buildServices(repoRoot, services);
  return { built: true };
}
