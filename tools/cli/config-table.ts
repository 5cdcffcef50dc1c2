// Prints the settings table generated from the config catalog; with `--write <file>` puts it
// between the config-table markers of that file (README.md), or creates the file with only a
// Configuration section when it does not exist yet. Never touches text outside the markers.
//
//   npm run docs:config                      # print
//   npm run docs:config -- --write README.md # update
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  CONFIG_TABLE_END,
  CONFIG_TABLE_START,
  configTableMarkdown,
  configurationSection,
  replaceConfigTable,
} from '@espalier/shared/util-config';

function main(args: readonly string[]): number {
  const table = configTableMarkdown();
  if (args.length === 0) {
    process.stdout.write(table);
    return 0;
  }
  if (args[0] !== '--write' || args.length !== 2) {
    console.error('usage: config-table [--write README.md]');
    return 2;
  }
  return writeTable(resolve(process.cwd(), args[1]), table);
}

function writeTable(path: string, table: string): number {
  if (!existsSync(path)) {
    writeFileSync(path, configurationSection(table));
    process.stdout.write(`created ${path}\n`);
    return 0;
  }
  const current = readFileSync(path, 'utf8');
  const updated = replaceConfigTable(current, table);
  if (updated === undefined) {
    console.error(`config-table: ${path} has no ${CONFIG_TABLE_START} … ${CONFIG_TABLE_END} markers; add them where the table belongs`);
    return 1;
  }
  if (updated !== current) writeFileSync(path, updated);
  process.stdout.write(`${updated === current ? 'unchanged' : 'updated'} ${path}\n`);
  return 0;
}

process.exitCode = main(process.argv.slice(2));
