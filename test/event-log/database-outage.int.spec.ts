import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { migrateService, ProjectionRunner } from '@espalier/shared/data-access-postgres';
import { infraCommand, localInfraControls, waitUntil } from '@espalier/shared/util-testing';
import { openHarness, type Harness } from '../fixtures/log-harness';
import { chainStep, seenProjection, type SeenRow } from '../fixtures/seen.projection';
import { seenEvent, toRecord } from '../fixtures/seen-events';

const controllable = localInfraControls().postgres;

describe('PostgreSQL down while a projection consumes', { skip: controllable ? false : 'the database is not the local one scripts/infra.sh runs' }, () => {
  let h: Harness;
  let runner: ProjectionRunner;
  before(async () => {
    h = await openHarness(2);
    const projection = seenProjection({ schema: h.schema, topic: h.topic });
    await migrateService(h.pool, { schema: h.schema, migrations: [], projections: [projection] });
    runner = new ProjectionRunner(projection, { pool: h.pool, log: h.log, logger: h.logger }, { maxAttempts: 3 });
    await runner.start();
  });
  after(async () => {
    await infraCommand('postgres-start');
    await runner.stop();
    await h.close();
  });

  it('retries until the database is back, applies every event once, and dead-letters nothing', async () => {
    const events = Array.from({ length: 400 }, (_, n) => seenEvent(`dev-${n % 10}`, n));
    const total = async () => Number((await h.rows<{ n: string }>('SELECT coalesce(sum(events), 0) AS n FROM $schema.seen'))[0].n);
    await h.log.appender.append(events.slice(0, 200).map((e) => toRecord(e, h.topic)));
    await waitUntil('first half applied', async () => (await total()) === 200);
    await infraCommand('postgres-stop');
    // The log keeps accepting events while the database is down.
    await h.log.appender.append(events.slice(200).map((e) => toRecord(e, h.topic)));
    await new Promise((r) => setTimeout(r, 2_000));
    await infraCommand('postgres-start');
    await waitUntil('second half applied after the outage', async () => (await total().catch(() => 0)) === 400, 180_000, 250);
    const rows = await h.rows<SeenRow>('SELECT * FROM $schema.seen');
    const expected = new Map<string, string>();
    for (const e of events) expected.set(e.enrollmentId as string, chainStep(expected.get(e.enrollmentId as string) ?? '', e.eventId));
    for (const row of rows) assert.equal(row.chain, expected.get(row.enrollment_id), `checksum of ${row.enrollment_id}`);
    assert.equal(runner.stats.deadLettered, 0);
  });
});
