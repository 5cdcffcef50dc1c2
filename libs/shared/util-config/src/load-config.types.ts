import type { Config } from './config.types';
import type { Environment } from './environment';
import type { ServiceName } from './setting.types';

export interface LoadConfigInput<Svc extends ServiceName> {
  /** The arguments only, without node and the script: `process.argv.slice(2)`. */
  readonly argv: readonly string[];
  readonly env: Environment;
  readonly service: Svc;
}

export type LoadConfigResult<Svc extends ServiceName> =
  | { readonly ok: true; readonly config: Config<Svc> }
  | { readonly ok: false; readonly errors: string[] }
  | { readonly ok: 'help'; readonly text: string }
  | { readonly ok: 'version' };
