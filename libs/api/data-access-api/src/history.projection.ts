import { TOPICS } from '@espalier/contracts/events';
import { historyEntryOf } from './history-entry';
import { prepared, type Migration, type Projection } from '@espalier/shared/data-access-postgres';

export const HISTORY_PROJECTION = 'api.history';

const historyMigrations: Migration[] = [
  {
    id: '0110-api-history',
    sql: (s) => `
      -- Each enrollment's events in the log, one row per (enrollment, event): what the
      -- history API pages through. Secrets and request bytes stay in the log only;
      -- topic, partition and offset say where to read the whole record.
      CREATE TABLE ${s}.history (
        enrollment_id text NOT NULL,
        event_id text NOT NULL,
        occurred_at timestamptz NOT NULL,
        type text NOT NULL,
        version integer NOT NULL,
        source text NOT NULL,
        correlation_id text NOT NULL,
        causation_id text,
        topic text NOT NULL,
        partition integer NOT NULL,
        log_offset bigint NOT NULL,
        data jsonb NOT NULL,
        withheld text[] NOT NULL,
        PRIMARY KEY (enrollment_id, event_id)
      );
      CREATE INDEX history_in_order ON ${s}.history (enrollment_id, occurred_at, event_id);`,
  },
];

/**
 * The API's second projection: every event that concerns an enrollment,
 * shown without secrets. A projection of its own (own consumer group and
 * checkpoints) so writing a row per device request never delays the
 * registry that enqueue and push decide from, and so it can be replayed
 * alone.
 */
export function historyProjection(schema = 'api'): Projection {
  return {
    name: HISTORY_PROJECTION,
    schema,
    topics: [TOPICS.enrollment, TOPICS.command, TOPICS.push],
    tables: ['history'],
    migrations: historyMigrations,
    async apply({ tx, schema: s }, events) {
      // Withheld keys travel comma-joined: unnest would flatten an array of arrays (keys have no commas).
      const rows: unknown[][] = [[], [], [], [], [], [], [], [], [], [], [], [], []];
      for (const { event, position } of events) {
        const entry = historyEntryOf(event);
        if (entry === null) continue;
        for (const enrollmentId of entry.enrollmentIds) {
          const row = [
            enrollmentId, event.eventId, event.occurredAt, event.type, event.version, event.source, event.correlationId, event.causationId,
            position.topic, position.partition, position.offset, JSON.stringify(entry.data), entry.withheld.join(','),
          ];
          row.forEach((value, i) => rows[i].push(value));
        }
      }
      if (rows[0].length === 0) return;
      // One statement per batch; a redelivered batch finds its rows and changes nothing.
      await tx.query(
        prepared(`INSERT INTO ${s}.history (enrollment_id, event_id, occurred_at, type, version, source, correlation_id, causation_id, topic, partition, log_offset, data, withheld)
         SELECT r.e, r.id, r.at, r.t, r.v, r.src, r.cor, r.cau, r.topic, r.p, r.o, r.d, string_to_array(r.w, ',')
           FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::text[], $5::int[], $6::text[], $7::text[], $8::text[], $9::text[], $10::int[], $11::bigint[], $12::jsonb[], $13::text[])
             AS r(e, id, at, t, v, src, cor, cau, topic, p, o, d, w)
         ON CONFLICT (enrollment_id, event_id) DO NOTHING`),
        rows,
      );
    },
  };
}
