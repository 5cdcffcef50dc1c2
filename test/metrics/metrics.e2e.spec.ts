import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { createEvent, encodeEvent, TOPICS } from '@espalier/contracts/events';
import { KafkaEventLog } from '@espalier/shared/data-access-kafka';
import { uuidv7 } from '@espalier/shared/util-ids';
import { recordingLogger, testInfra, waitUntil } from '@espalier/shared/util-testing';
import { startService, waitForStatus } from '../services/service-process';

interface Line {
  readonly name: string;
  readonly labels: Record<string, string>;
  readonly value: number;
}

/** Parses the exposition text strictly: a line that is not a comment or a well-formed sample fails the test. */
function parse(text: string): Line[] {
  const lines: Line[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('# HELP ') || line.startsWith('# TYPE ')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    assert.ok(match, `malformed line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, name, value] of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[name] = value;
    lines.push({ name: match[1], labels, value: Number(match[3]) });
  }
  return lines;
}

const pick = (lines: Line[], name: string, labels: Record<string, string> = {}) =>
  lines.filter((l) => l.name === name && Object.entries(labels).every(([k, v]) => l.labels[k] === v));

describe('/metrics of a service process', () => {
  const infra = testInfra();

  it('shows the lag of every consumer group the service runs, going to 0 for its projections once they applied appended events', async () => {
    const svc = await startService('api', {
      KAFKA_BROKERS: infra.kafkaBrokers.join(','),
      DATABASE_URL: infra.databaseUrl,
      ESPALIER_API: 'metrics-test-key',
      ESPALIER_SECRET_KEY: randomBytes(32).toString('base64'),
    });
    const log = new KafkaEventLog({ brokers: infra.kafkaBrokers, clientId: 'espalier-test', logger: recordingLogger() });
    try {
      await waitForStatus(svc, '/readyz', 200, 120_000);
      assert.equal((await fetch(svc.url + '/v1/enrollments')).status, 401, 'the API wants credentials; /metrics does not');
      await log.connect();
      const events = Array.from({ length: 12 }, (_, n) => {
        const id = randomUUID().toUpperCase();
        const at = new Date().toISOString();
        return createEvent('EnrollmentSeen', { messageType: 'Idle', at }, { eventId: uuidv7(), occurredAt: at, enrollmentId: id, deviceId: id, source: 'checkin', correlationId: `metrics-${n}`, causationId: null });
      });
      const positions = await log.appender.append(events.map((e) => encodeEvent(e)));

      let lines: Line[] = [];
      let contentType = '';
      await waitUntil(
        'the projections to apply the appended events and show no lag',
        async () => {
          const res = await fetch(svc.url + '/metrics');
          assert.equal(res.status, 200);
          contentType = res.headers.get('content-type') ?? '';
          lines = parse(await res.text());
          const applied = positions.every((p) =>
            ['api.registry', 'api.history'].every((projection) => pick(lines, 'espalier_projection_checkpoint_offset', { projection, topic: p.topic, partition: String(p.partition) })[0]?.value >= Number(p.offset)),
          );
          const projectionLag = pick(lines, 'espalier_consumer_lag').filter((l) => l.labels.group.startsWith('espalier.projection.'));
          return applied && projectionLag.length > 0 && projectionLag.every((l) => l.value === 0);
        },
        90_000,
        500,
      );

      assert.match(contentType, /^text\/plain/);
      assert.match(contentType, /version=0\.0\.4/);
      assert.deepEqual(pick(lines, 'espalier_consumer_lag_up').map((l) => l.value), [1]);
      const groups = new Set(pick(lines, 'espalier_consumer_lag').map((l) => l.labels.group));
      assert.ok(groups.has('espalier.projection.api.registry') && groups.has('espalier.projection.api.history'), [...groups].join(', '));
      const watcher = [...groups].find((g) => g.startsWith('espalier.api.outcomes.'));
      assert.ok(watcher, `the outcome watcher's own group is measured too: ${[...groups].join(', ')}`);
      const partitions = pick(lines, 'espalier_log_end_offset', { topic: TOPICS.enrollment }).length;
      assert.ok(partitions > 0);
      for (const group of ['espalier.projection.api.registry', 'espalier.projection.api.history']) {
        assert.equal(pick(lines, 'espalier_consumer_lag', { group, topic: TOPICS.enrollment }).length, partitions, `${group}: one lag per partition`);
      }
      assert.equal(pick(lines, 'espalier_consumer_lag', { group: watcher, topic: TOPICS.push }).length, pick(lines, 'espalier_log_end_offset', { topic: TOPICS.push }).length);
      for (const p of positions) {
        const end = pick(lines, 'espalier_log_end_offset', { topic: p.topic, partition: String(p.partition) })[0];
        assert.ok(end.value > Number(p.offset), 'the log end is past the appended event');
      }
      assert.ok(pick(lines, 'espalier_projection_events_applied_total', { projection: 'api.history' })[0].value >= events.length, 'every appended event went into the history');
      assert.equal(pick(lines, 'espalier_http_request_duration_seconds_count', { method: 'GET', route: '/readyz', status: '200' }).length, 1);
      assert.ok(pick(lines, 'espalier_http_request_duration_seconds_count', { method: 'GET', route: '/v1/*rest', status: '401' })[0].value >= 1, 'routes are labelled by template');
      assert.equal(pick(lines, 'espalier_http_request_duration_seconds_bucket', { route: '/v1/*rest', status: '401', le: '+Inf' })[0].value, pick(lines, 'espalier_http_request_duration_seconds_count', { route: '/v1/*rest', status: '401' })[0].value);
      assert.ok(pick(lines, 'process_resident_memory_bytes')[0].value > 10_000_000);
    } finally {
      await log.close();
      svc.child.kill('SIGTERM');
      await svc.exited;
    }
  });
});
