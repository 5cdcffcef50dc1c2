import type { Migration } from '@espalier/shared/data-access-postgres';

/** The API's read model: what it checks before appending (§3.5–3.8). Every column comes from events. */
export const apiMigrations: Migration[] = [
  {
    id: '0100-api-registry',
    sql: (s) => `
      -- Enrollments a command may be queued to: those that sent a TokenUpdate (NanoMDM's enrollments row).
      CREATE TABLE ${s}.enrollments (
        id text PRIMARY KEY,
        device_id text NOT NULL,
        enrolled_at timestamptz NOT NULL
      );
      -- CommandUUIDs submitted and not refused for another reason than being a duplicate.
      CREATE TABLE ${s}.command_uuids (
        command_uuid text PRIMARY KEY,
        submission_id text NOT NULL
      );
      -- The latest push certificate per topic: its expiry for GET /v1/pushcert, the certificate
      -- and its sealed key for /v1/escrowkeyunlock's mutual TLS to Apple.
      CREATE TABLE ${s}.push_certs (
        topic text PRIMARY KEY,
        not_after timestamptz NOT NULL,
        uploaded_at timestamptz NOT NULL,
        certificate_pem text NOT NULL,
        private_key jsonb NOT NULL
      );`,
  },
];

export const apiTables = ['enrollments', 'command_uuids', 'push_certs'];
