import type { Migration } from '@espalier/shared/data-access-postgres';

/**
 * The push service's read model (§9.1–9.2). Every column comes from events,
 * so a rebuild yields the same rows.
 *
 * Invalid tokens live in their own table, not as a flag on push_targets:
 * PushFailed is on mdm.push and TokenUpdated on mdm.enrollment, so a rebuild
 * may apply them in either order. A target is invalid iff its latest
 * invalid_at is after its token_updated_at, decided when it is read; a later
 * TokenUpdate therefore resets it without touching push_invalid. When the
 * refusal names its token (PushFailed.token), only that token is invalid: a
 * TokenUpdate that arrived while the push was in flight brought another one.
 */
export const pushMigrations: Migration[] = [
  {
    id: '0100-push-targets',
    sql: (s) => `
      -- The latest TokenUpdate per enrollment (NanoMDM's push data, §9.1).
      CREATE TABLE ${s}.push_targets (
        enrollment_id text PRIMARY KEY,
        device_id text NOT NULL,
        topic text NOT NULL,
        token_hex text NOT NULL,
        push_magic text NOT NULL,
        token_updated_at timestamptz NOT NULL
      );
      -- The latest push APNs refused for the token itself (Unregistered, BadDeviceToken, DeviceTokenNotForTopic).
      CREATE TABLE ${s}.push_invalid (
        enrollment_id text PRIMARY KEY,
        invalid_at timestamptz NOT NULL,
        reason text NOT NULL
      );
      -- The latest certificate per APNs topic (§9.2). upload_event_id plays NanoMDM's stale_token:
      -- an instance whose cached client was built from another upload rebuilds it.
      CREATE TABLE ${s}.push_certs (
        topic text PRIMARY KEY,
        certificate_pem text NOT NULL,
        private_key jsonb NOT NULL,
        not_after timestamptz NOT NULL,
        uploaded_at timestamptz NOT NULL,
        upload_event_id text NOT NULL
      );`,
  },
  {
    id: '0101-push-invalid-token',
    sql: (s) => `
      -- The token APNs refused; null for refusals recorded before PushFailed named it.
      ALTER TABLE ${s}.push_invalid ADD COLUMN token_hex text;`,
  },
];

export const pushTables = ['push_targets', 'push_invalid', 'push_certs'];
