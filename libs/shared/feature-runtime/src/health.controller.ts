import { Controller, Get, HttpCode, Inject, Res } from '@nestjs/common';
import type { Pool } from 'pg';
import type { EventLog } from '@espalier/contracts/event-log';
import { HEALTH_PATHS } from '@espalier/contracts/routing';
import { ProjectionHost } from './projection-host.service';
import { EVENT_LOG, PG_POOL, SERVICE_NAME } from '@espalier/contracts/runtime';

type Check = { ok: boolean; error?: string };
/** The slice of Express' response this controller uses (Nest runs on Express here). */
type Reply = { status(code: number): { json(body: unknown): void } };

/**
 * /healthz: the process is alive (for restarts). /readyz: it can do its job
 * now — database and broker answer, migrations ran, projections consume —
 * so a load balancer routes to it only then.
 */
@Controller()
export class HealthController {
  constructor(
    @Inject(SERVICE_NAME) private readonly service: string,
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(EVENT_LOG) private readonly log: EventLog,
    @Inject(ProjectionHost) private readonly host: ProjectionHost,
  ) {}

  @Get(HEALTH_PATHS.live)
  @HttpCode(200)
  live() {
    return { status: 'ok', service: this.service };
  }

  @Get(HEALTH_PATHS.ready)
  async ready(@Res() res: Reply): Promise<void> {
    const [postgres, kafka] = await Promise.all([
      probe(() => this.pool.query('SELECT 1')),
      probe(() => this.log.ping()),
    ]);
    const projections: Check = this.host.ready ? { ok: true } : { ok: false, error: this.host.status };
    const ok = postgres.ok && kafka.ok && projections.ok;
    res.status(ok ? 200 : 503).json({ status: ok ? 'ready' : 'not ready', service: this.service, checks: { postgres, kafka, projections } });
  }
}

async function probe(fn: () => Promise<unknown>, timeoutMs = 2_000): Promise<Check> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([fn(), new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs)))]);
    return { ok: true };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  } finally {
    clearTimeout(timer);
  }
}
