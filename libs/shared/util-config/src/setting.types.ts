/** The processes Espalier runs; a setting names the ones that read it. `webhook` runs only with -webhook-url. */
export const SERVICE_NAMES = ['checkin', 'commands', 'push', 'api', 'webhook'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

export type SettingKind = 'string' | 'bool' | 'int' | 'duration' | 'url' | 'path' | 'hostport' | 'list' | 'enum';

/** `active`: the feature reads it. `plannedIn`: the issue that will build it; until then setting it is an error. */
export type SettingStatus = 'active' | { readonly plannedIn: number };

/** A listen or broker address: `:9000` → `{ host: undefined, port: 9000 }`. */
export interface HostPort {
  readonly host: string | undefined;
  readonly port: number;
}

/**
 * One setting: a command-line flag and an environment variable with one meaning.
 *
 * `default` is the text a user would type (`'5s'`, `'true'`, `':9000'`), parsed by the same code as
 * user input, so the README table, the help text and the loaded value cannot disagree.
 * `undefined` means "no default": the loaded value is `undefined` unless the setting is `required`.
 */
export interface SettingSpec {
  readonly key: string;
  readonly flag: `-${string}`;
  readonly env: string;
  readonly kind: SettingKind;
  readonly default: string | undefined;
  readonly description: string;
  /** Empty: no service process reads it, only the one-process mode's front door (`npm start`). */
  readonly services: readonly (ServiceName | 'all')[];
  readonly status: SettingStatus;
  /** Never echoed: not in errors, not in help, not as a default in the README. */
  readonly secret?: boolean;
  readonly since?: string;
  /** Loading fails when a service that reads it gets no value (see `isRequired`). */
  readonly required?: boolean;
  /** Read from the command line only; the environment variable is ignored (like NanoMDM's `-version`). */
  readonly cliOnly?: boolean;
  /** kind `int`: smallest accepted value. */
  readonly min?: number;
  /** kind `enum`: accepted values. */
  readonly values?: readonly string[];
  /** kind `url`: accepted schemes without `:`; http and https when absent. */
  readonly schemes?: readonly string[];
  /** kind `list`: every comma-separated item must be a `host:port`. */
  readonly items?: 'hostport';
  /** kind `string`: an AES-256 key, 32 bytes as base64 or hex. */
  readonly format?: 'aes-256-key';
}

export function isPlanned(spec: SettingSpec): spec is SettingSpec & { status: { plannedIn: number } } {
  return spec.status !== 'active';
}

export function appliesTo(spec: SettingSpec, service: ServiceName): boolean {
  return spec.services.includes('all') || spec.services.includes(service);
}

/** Issue 8 (embedded mode) relaxes this for the brokers and the database: change it here. */
export function isRequired(spec: SettingSpec): boolean {
  return spec.required === true;
}
