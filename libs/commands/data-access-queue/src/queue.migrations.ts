import type { Migration } from '@espalier/shared/data-access-postgres';

/**
 * The commands service's read model. What NanoMDM spreads over commands,
 * enrollment_queue and command_results is one row per (enrollment, command)
 * here: queued (queued_at set) and/or reported (status set). Every column
 * comes from events, so a rebuild yields the same rows.
 *
 * Authenticate clears a device's queues (§7.5) without touching them: a
 * queue entry is live only if it was queued after the device's last
 * Authenticate (devices.authenticated_at). Clearing is then one row's write
 * and a lookup skips cleared entries through the index, however many there
 * are — NanoMDM's pgsql clear joins the queue with itself (N×M rows).
 */
export const queueMigrations: Migration[] = [
  {
    id: '0100-commands-queue',
    sql: (s) => `
      CREATE TABLE ${s}.devices (
        id text PRIMARY KEY,
        authenticated_at timestamptz NOT NULL
      );
      CREATE TABLE ${s}.enrollments (
        id text PRIMARY KEY,
        device_id text NOT NULL,
        enrolled_at timestamptz NOT NULL
      );
      CREATE TABLE ${s}.cert_associations (
        device_id text NOT NULL,
        cert_hash text NOT NULL,
        association text NOT NULL,
        associated_at timestamptz NOT NULL,
        PRIMARY KEY (device_id, cert_hash)
      );
      CREATE INDEX cert_associations_hash ON ${s}.cert_associations (cert_hash);
      -- One row per submission (CommandSubmitted's event ID): the exact bytes served to devices.
      CREATE TABLE ${s}.commands (
        submission_id text PRIMARY KEY,
        command_uuid text NOT NULL,
        request_type text NOT NULL,
        payload bytea NOT NULL,
        submitted_at timestamptz NOT NULL
      );
      -- Submissions with at least one CommandQueued: a restarted enqueue keeps their acceptance.
      -- Its own insert-only table (not a flag on commands), because CommandQueued events sit on
      -- device partitions and a rebuild may apply them before or after their submission.
      CREATE TABLE ${s}.accepted_submissions (
        submission_id text PRIMARY KEY
      );
      CREATE TABLE ${s}.enrollment_commands (
        enrollment_id text NOT NULL,
        command_uuid text NOT NULL,
        device_id text NOT NULL,
        submission_id text,
        queued_at timestamptz,
        queue_seq text,
        delivered_at timestamptz,
        deliveries integer NOT NULL DEFAULT 0,
        status text,
        result bytea,
        reported_at timestamptz,
        not_now_at timestamptz,
        not_now_tally integer NOT NULL DEFAULT 0,
        PRIMARY KEY (enrollment_id, command_uuid)
      );
      -- The next-command lookup: this enrollment's undone entries in FIFO order, nothing else.
      CREATE INDEX enrollment_commands_pending ON ${s}.enrollment_commands (enrollment_id, queued_at, queue_seq)
        WHERE queued_at IS NOT NULL AND (status IS NULL OR status = 'NotNow');
      CREATE INDEX enrollment_commands_uuid ON ${s}.enrollment_commands (command_uuid, submission_id);`,
  },
  {
    id: '0101-queue-cleared',
    sql: (s) => `
      -- An operator's clear (QueueCleared) per enrollment: entries queued before it are not served.
      -- Its own table, like the devices' Authenticate boundary, so a rebuild may apply it before
      -- the enrollment's TokenUpdate.
      CREATE TABLE ${s}.queue_cleared (
        enrollment_id text PRIMARY KEY,
        cleared_at timestamptz NOT NULL
      );`,
  },
];

export const queueTables = ['devices', 'enrollments', 'cert_associations', 'commands', 'accepted_submissions', 'enrollment_commands', 'queue_cleared'];
