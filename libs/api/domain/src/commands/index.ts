export type { CommandKeySpec, CommandSpec } from './command-spec';
export { commandSpec, convertCommandFields, requestTypes, type PlistOut } from './json-command';
export { parseJsonCommand, type JsonCommand, type Selector } from './json-command.request';
