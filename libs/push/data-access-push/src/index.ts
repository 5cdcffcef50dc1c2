export { INVALID_TOKEN_REASONS, PUSH_TARGETS_PROJECTION, pushTargetsProjection } from './push.projection';
export { pushMigrations, pushTables } from './push.migrations';
export { PushTargetsReader, type PushCertificate, type PushTarget } from './push-targets.reader';
