import type { CatalogSetting } from './settings.catalog';
import type { HostPort, ServiceName, SettingKind, SettingSpec } from './setting.types';

/** What each kind loads as. Durations are milliseconds. */
interface KindValues {
  string: string;
  path: string;
  url: string;
  bool: boolean;
  int: number;
  duration: number;
  hostport: HostPort;
  list: string[];
  enum: string;
}

type ValueOf<S extends SettingSpec> = S extends { kind: 'enum'; values: readonly (infer V)[] }
  ? V
  : KindValues[S['kind'] & SettingKind];

/** Required settings and settings with a default always have a value; others may be `undefined`. */
type Loaded<S extends SettingSpec> = S extends { required: true }
  ? ValueOf<S>
  : S extends { default: string }
    ? ValueOf<S>
    : ValueOf<S> | undefined;

type ReadBy<S extends SettingSpec, Svc extends ServiceName> = [Extract<S['services'][number], Svc | 'all'>] extends [never]
  ? never
  : S['key'];

/**
 * The loaded configuration of one service: one camelCase key per catalog setting that service
 * reads (`Config<'push'>` has no `pushWait`). `Config` without an argument has every setting.
 */
export type Config<Svc extends ServiceName = ServiceName> = {
  readonly [S in CatalogSetting as ReadBy<S, Svc>]: Loaded<S>;
};
