import path from 'node:path';
import { build } from 'esbuild';

/** The deployable services; each becomes one file, dist/apps/<name>/main.js. */
export const BUILT_SERVICES = ['checkin', 'commands', 'push', 'api', 'webhook'] as const;
export type BuiltService = (typeof BUILT_SERVICES)[number];

/**
 * How a built service runs: with a ceiling on V8's old space, for a service
 * of at most 200 MB. A service's live heap is about 35 MB under load (heap
 * snapshot of commands during `npm run bench`), but without a ceiling V8
 * sizes its heap for the machine (up to 4 GB here) and lets garbage pile up
 * to 110–150 MB before a full collection: commands peaked at 250 MB RSS.
 * With the ceiling V8 grows the heap more cautiously and collects sooner:
 * heaps near 60 MB, commands at 167 MB. The price is more collection, about
 * 0.4 ms CPU per device cycle in commands (2.37 → 2.75 ms, single runs,
 * which vary by about 10 %). 512 MB is still 14 times the live heap, so a
 * burst does not run out. Source maps make stack traces in logs point at
 * the TypeScript. The Dockerfile sets the same list as NODE_OPTIONS (a spec
 * compares them).
 */
export const SERVICE_NODE_OPTIONS = ['--max-old-space-size=512', '--enable-source-maps'] as const;

export function builtEntry(repoRoot: string, service: BuiltService): string {
  return path.join(repoRoot, 'dist', 'apps', service, 'main.js');
}

/**
 * Bundles each service's main.ts with the libs it imports (the @espalier/*
 * paths of tsconfig.base.json) into one CommonJS file; node_modules stay
 * external and are loaded from the install beside it. A service then starts
 * without a TypeScript loader: no transform at start and no loader thread,
 * about 35 MB less per process.
 */
export async function buildServices(repoRoot: string, services: readonly BuiltService[] = BUILT_SERVICES): Promise<string[]> {
  const outputs: string[] = [];
  for (const service of services) {
    const outfile = builtEntry(repoRoot, service);
    await build({
      absWorkingDir: repoRoot,
      entryPoints: [path.join(repoRoot, 'apps', service, 'src', 'main.ts')],
      outfile,
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      packages: 'external',
      sourcemap: true,
      tsconfig: path.join(repoRoot, 'tsconfig.json'),
      logLevel: 'warning',
    });
    outputs.push(outfile);
  }
  return outputs;
}
