import type { SettingSpec } from './setting.types';

/**
 * Settings carried over from NanoMDM's `cmd/nanomdm` flags, same names and meanings
 * (https://github.com/micromdm/nanomdm/blob/main/docs/operations-guide.md).
 *
 * NanoMDM's `-storage`, `-storage-dsn`, `-dsn` and `-storage-options` are deliberately absent:
 * Espalier has one storage design (the Kafka event log plus PostgreSQL projections), configured by
 * `-kafka-brokers` and `-database-url`, so there is no backend to choose and nothing for them to do.
 * Accepting them would be a setting that silently does nothing.
 */
export const nanomdmSettings = [
  {
    key: 'listen', flag: '-listen', env: 'ESPALIER_LISTEN', kind: 'hostport', default: ':9000',
    description: 'HTTP listen address. Plain HTTP: TLS is terminated by a proxy in front.',
    services: ['all'], status: 'active',
  },
  {
    key: 'api', flag: '-api', env: 'ESPALIER_API', kind: 'string', default: undefined, secret: true,
    description: 'API key: enables /v1/* (api) and /migration (checkin, with -migration) behind HTTP Basic auth (user "nanomdm"). Empty = no API routes.',
    services: ['api', 'checkin'], status: 'active',
  },
  {
    key: 'ca', flag: '-ca', env: 'ESPALIER_CA', kind: 'path', default: undefined,
    description: 'PEM file of the root CA certificates that device identity certificates must chain to (required by checkin and commands).',
    services: ['checkin', 'commands'], status: 'active',
  },
  {
    key: 'intermediate', flag: '-intermediate', env: 'ESPALIER_INTERMEDIATE', kind: 'path', default: undefined,
    description: 'PEM file of intermediate certificates used to build device certificate chains.',
    services: ['checkin', 'commands'], status: 'active',
  },
  // Security: the named header is trusted as the device certificate and Mdm-Signature is ignored.
  // Only safe when the TLS-terminating proxy always overwrites that header; otherwise any client
  // can claim any device's identity.
  {
    key: 'certHeader', flag: '-cert-header', env: 'ESPALIER_CERT_HEADER', kind: 'string', default: undefined,
    description: 'HTTP header carrying the client certificate from a TLS-terminating proxy (replaces Mdm-Signature).',
    services: ['checkin', 'commands'], status: 'active',
  },
  {
    key: 'checkin', flag: '-checkin', env: 'ESPALIER_CHECKIN', kind: 'bool', default: 'false',
    description: 'Serve check-ins on a separate /checkin; /mdm then only takes command reports.',
    services: ['checkin'], status: 'active',
  },
  // Security: debug logs may carry request details (NanoMDM logs a failing Mdm-Signature header).
  {
    key: 'debug', flag: '-debug', env: 'ESPALIER_DEBUG', kind: 'bool', default: 'false',
    description: 'Debug logging (implies -log-level debug unless a more verbose level is set).',
    services: ['all'], status: 'active',
  },
  // Security: raw requests include tokens (push magic, unlock and bootstrap tokens) in clear text.
  {
    key: 'dump', flag: '-dump', env: 'ESPALIER_DUMP', kind: 'bool', default: 'false',
    description: 'Write raw MDM request plists (and some responses) to stdout.',
    services: ['checkin', 'commands'], status: 'active',
  },
  // Read by the one-process front door only (no service in the catalog): a separate checkin or
  // commands process could not honour it (it would serve nothing at all), so its command line
  // refuses the flag rather than accepting a setting that does nothing; in a distributed stack
  // the proxy in front is what stops routing the device paths.
  {
    key: 'disableMdm', flag: '-disable-mdm', env: 'ESPALIER_DISABLE_MDM', kind: 'bool', default: 'false',
    description: 'npm start only: do not serve /mdm, /checkin or /authproxy/ (they answer 404) while the API keeps working. A separate checkin or commands process refuses the flag.',
    services: [], status: 'active',
  },
  // Security: /migration accepts check-ins with no device certificate at all (API key only).
  {
    key: 'migration', flag: '-migration', env: 'ESPALIER_MIGRATION', kind: 'bool', default: 'false',
    description: 'Serve /migration (needs -api): import enrollments from another MDM without device certificates (they then need -retro).',
    services: ['checkin'], status: 'active',
  },
  // Security: an enrollment with no certificate association yet (e.g. imported through /migration)
  // is bound to whatever valid certificate it first presents, so until every such device has
  // checked in once, the first certificate to arrive wins. Needed after a migration, else those
  // enrollments fail every request.
  {
    key: 'retro', flag: '-retro', env: 'ESPALIER_RETRO', kind: 'bool', default: 'false',
    description: 'Retroactive certificate auth: bind enrollments that have no certificate yet on first contact.',
    services: ['checkin', 'commands'], status: 'active',
  },
  {
    key: 'dm', flag: '-dm', env: 'ESPALIER_DM', kind: 'url', default: undefined,
    description: 'Base URL for Declarative Management passthrough.',
    services: ['checkin'], status: 'active',
  },
  {
    key: 'dmSendHmacKey', flag: '-dm-send-hmac-key', env: 'ESPALIER_DM_SEND_HMAC_KEY', kind: 'string',
    default: undefined, secret: true,
    description: 'Sign requests to the -dm server with X-Hmac-Signature (HMAC-SHA256 of the body).',
    services: ['checkin'], status: 'active',
  },
  {
    key: 'dmRecvHmacKey', flag: '-dm-recv-hmac-key', env: 'ESPALIER_DM_RECV_HMAC_KEY', kind: 'string',
    default: undefined, secret: true,
    description: 'Require and verify X-Hmac-Signature on responses from the -dm server.',
    services: ['checkin'], status: 'active',
  },
  // The webhook service (apps/webhook) is a consumer group of its own: delivery never slows device traffic.
  {
    key: 'webhookUrl', flag: '-webhook-url', env: 'ESPALIER_WEBHOOK_URL', kind: 'url', default: undefined, required: true,
    description: 'POST MicroMDM-compatible webhook events to this URL (the webhook service runs only when it is set).',
    services: ['webhook'], status: 'active',
  },
  {
    key: 'webhookHmacKey', flag: '-webhook-hmac-key', env: 'ESPALIER_WEBHOOK_HMAC_KEY', kind: 'string',
    default: undefined, secret: true,
    description: 'Sign webhook POSTs with X-Hmac-Signature (base64 HMAC-SHA256 of the body).',
    services: ['webhook'], status: 'active',
  },
  {
    key: 'authProxyUrl', flag: '-auth-proxy-url', env: 'ESPALIER_AUTH_PROXY_URL', kind: 'url', default: undefined,
    description: 'Reverse-proxy /authproxy/ to this URL for certificate-authenticated devices.',
    services: ['checkin'], status: 'active',
  },
  {
    key: 'uaZlDc', flag: '-ua-zl-dc', env: 'ESPALIER_UA_ZL_DC', kind: 'bool', default: 'false',
    description: 'Answer the first UserAuthenticate with a zero-length DigestChallenge instead of 410.',
    services: ['checkin'], status: 'active',
  },
  // Command line only, as in NanoMDM: images often set a VERSION-like variable for metadata, and an
  // environment variable that turns every start into "print and exit" would be a trap.
  {
    key: 'version', flag: '-version', env: 'ESPALIER_VERSION', kind: 'bool', default: 'false', cliOnly: true,
    description: 'Print the version and exit.',
    services: ['all'], status: 'active',
  },
] as const satisfies readonly SettingSpec[];
