/**
 * The operator CLI: `espalier <command> …` (bin/espalier, or npm run espalier -- …).
 *   replay <projection|service|all> [--verify-only] [--keep-shadow] [--fresh] [--json]
 *   status [--json]
 * Both read the services' settings (-database-url, -kafka-brokers or their ESPALIER_* variables).
 */
import { runReplay } from './replay';
import { runStatus } from './status';

const COMMANDS: Record<string, (argv: string[]) => Promise<number>> = { replay: runReplay, status: runStatus };

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const run = command === undefined ? undefined : COMMANDS[command];
  if (!run) {
    process.stderr.write(`usage: espalier <${Object.keys(COMMANDS).join('|')}> …${command ? ` (unknown command "${command}")` : ''}\n`);
    return 2;
  }
  return run(rest);
}

void main(process.argv.slice(2)).then((code) => process.exit(code));
