import type { Migration } from '@espalier/shared/data-access-postgres';

/**
 * The API's read model: what it checks before appending (§3.5–3.8) and what
 * the read APIs answer. Every column comes from events. Facts from different
 * topics (a report on mdm.command, a TokenUpdate on mdm.enrollment) live in
 * their own tables, so a rebuild may apply them in any order; latest-wins
 * columns compare event times.
 */
export const apiMigrations: Migration[] = [
  {
    id: '0100-api-registry',
    sql: (s) => `
      -- Enrollments: those that sent a TokenUpdate (NanoMDM's enrollments row).
      CREATE TABLE ${s}.enrollments (
        id text PRIMARY KEY,
        device_id text NOT NULL,
        type text NOT NULL,
        parent_id text,
        user_short_name text,
        topic text NOT NULL,
        token_update_tally integer NOT NULL,
        enrolled_at timestamptz NOT NULL,
        token_updated_at timestamptz NOT NULL
      );
      CREATE INDEX enrollments_topic ON ${s}.enrollments (topic, id);
      -- The latest Authenticate (device channel) or CheckOut: enabled iff the latest TokenUpdate is later.
      CREATE TABLE ${s}.disabled (
        enrollment_id text PRIMARY KEY,
        disabled_at timestamptz NOT NULL
      );
      -- Last time the enrollment talked to us (check-ins and reports), and the certificate it used last.
      CREATE TABLE ${s}.seen (
        enrollment_id text PRIMARY KEY,
        last_seen_at timestamptz NOT NULL,
        cert_hash text,
        cert_at timestamptz
      );
      -- CommandUUIDs submitted and not refused for another reason than being a duplicate.
      CREATE TABLE ${s}.command_uuids (
        command_uuid text PRIMARY KEY,
        submission_id text NOT NULL,
        request_type text NOT NULL
      );
      -- Each enrollment's commands: queued, reported (latest status and result), NotNow count.
      CREATE TABLE ${s}.queue (
        enrollment_id text NOT NULL,
        command_uuid text NOT NULL,
        device_id text NOT NULL,
        request_type text NOT NULL,
        queued_at timestamptz NOT NULL,
        status text,
        not_now_count integer NOT NULL DEFAULT 0,
        reported_at timestamptz,
        result bytea,
        PRIMARY KEY (enrollment_id, command_uuid)
      );
      CREATE INDEX queue_by_command ON ${s}.queue (command_uuid);
      -- Queue boundaries: a device's Authenticate, an operator's clear (per enrollment).
      CREATE TABLE ${s}.device_authenticated (
        device_id text PRIMARY KEY,
        authenticated_at timestamptz NOT NULL
      );
      CREATE TABLE ${s}.queue_cleared (
        enrollment_id text PRIMARY KEY,
        cleared_at timestamptz NOT NULL
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

export const apiTables = ['enrollments', 'disabled', 'seen', 'command_uuids', 'queue', 'device_authenticated', 'queue_cleared', 'push_certs'];
