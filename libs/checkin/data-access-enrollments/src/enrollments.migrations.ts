import type { Migration } from '@espalier/shared/data-access-postgres';

/**
 * The check-in service's read model, shaped after NanoMDM's SQL schema
 * (devices, users, enrollments, cert-auth associations). Secrets stay sealed
 * (jsonb of the event's EncryptedSecret). Every timestamp comes from the
 * events, so a rebuild yields the same rows.
 */
export const enrollmentsMigrations: Migration[] = [
  {
    id: '0100-checkin-enrollments',
    sql: (s) => `
      CREATE TABLE ${s}.devices (
        id text PRIMARY KEY,
        serial_number text,
        authenticate_at timestamptz NOT NULL,
        token_update_at timestamptz,
        unlock_token jsonb,
        unlock_token_at timestamptz,
        bootstrap_token jsonb,
        bootstrap_token_at timestamptz
      );
      CREATE TABLE ${s}.users (
        id text PRIMARY KEY,
        device_id text NOT NULL,
        user_short_name text,
        user_long_name text,
        token_update_at timestamptz,
        user_authenticate_at timestamptz,
        user_authenticate_digest_at timestamptz
      );
      CREATE INDEX users_device_id ON ${s}.users (device_id);
      CREATE TABLE ${s}.enrollments (
        id text PRIMARY KEY,
        device_id text NOT NULL,
        user_id text,
        type text NOT NULL,
        topic text NOT NULL,
        push_magic text NOT NULL,
        token_hex text NOT NULL,
        enabled boolean NOT NULL,
        token_update_tally integer NOT NULL,
        enrolled_at timestamptz,
        last_seen_at timestamptz NOT NULL
      );
      CREATE INDEX enrollments_device_id ON ${s}.enrollments (device_id);
      CREATE TABLE ${s}.cert_associations (
        device_id text NOT NULL,
        cert_hash text NOT NULL,
        association text NOT NULL,
        associated_at timestamptz NOT NULL,
        PRIMARY KEY (device_id, cert_hash)
      );
      CREATE INDEX cert_associations_hash ON ${s}.cert_associations (cert_hash);`,
  },
];

/**
 * Reports arrive on mdm.command, check-ins on mdm.enrollment: a rebuild may
 * apply the two topics in any interleaving, so a report's last-seen time
 * cannot overwrite enrollments.last_seen_at (the later write would depend on
 * that interleaving, and a report applied before its enrollment row exists
 * would be lost). It is kept apart, as a maximum; an enrollment was last seen
 * at the greater of the two.
 */
enrollmentsMigrations.push({
  id: '0101-checkin-reports-seen',
  sql: (s) => `
    CREATE TABLE ${s}.reports_seen (
      enrollment_id text PRIMARY KEY,
      last_report_at timestamptz NOT NULL
    );`,
});

export const enrollmentsTables = ['devices', 'users', 'enrollments', 'cert_associations', 'reports_seen'];
