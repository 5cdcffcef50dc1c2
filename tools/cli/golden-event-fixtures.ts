// Golden fixtures for the schema-evolution guard (libs/contracts/events/src/golden-fixtures.ts):
// one record per event type and version, exactly as Kafka carried it.
//   npm run events:golden   create the fixture of every current version that has none yet
// Existing fixtures are never rewritten: they are what the log holds, frozen once committed.
// An older version without a fixture cannot be made from today's code and is reported.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { encodeEvent, eventDefinitions, goldenFixtureName, goldenFixtureOf, type GoldenFixture } from '@espalier/contracts/events';
import { buildEvent } from '@espalier/contracts/events/testing';

export const GOLDEN_DIR = resolve(__dirname, '../../libs/contracts/events/src/golden');

/** Every `<type>.v<version>.json` fixture in `dir`, by name. */
export function loadGoldenFixtures(dir: string = GOLDEN_DIR): Map<string, GoldenFixture> {
  const fixtures = new Map<string, GoldenFixture>();
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
    fixtures.set(file.slice(0, -'.json'.length), parseFixture(file, readFileSync(join(dir, file), 'utf8')));
  }
  return fixtures;
}

function parseFixture(file: string, text: string): GoldenFixture {
  const fixture = JSON.parse(text) as Partial<GoldenFixture>;
  const headersOk = typeof fixture.headers === 'object' && fixture.headers !== null && Object.values(fixture.headers).every((v) => typeof v === 'string');
  if (typeof fixture.topic !== 'string' || typeof fixture.key !== 'string' || typeof fixture.value !== 'string' || !headersOk) {
    throw new Error(`reading golden fixture ${file}: expected { topic, key, headers, value } with string values`);
  }
  return fixture as GoldenFixture;
}

export interface GoldenResult {
  readonly created: string[];
  /** Older versions without a fixture: only a record written while they were current will do. */
  readonly missingOld: string[];
}

/** Writes the fixture of each current version that has none; never touches an existing file. */
export function createMissingGoldenFixtures(dir: string = GOLDEN_DIR): GoldenResult {
  const present = new Set(readdirSync(dir));
  const created: string[] = [];
  const missingOld: string[] = [];
  for (const { type, version } of eventDefinitions) {
    for (let v = 1; v <= version; v++) {
      const name = goldenFixtureName(type, v);
      if (present.has(`${name}.json`)) continue;
      if (v < version) {
        missingOld.push(name);
        continue;
      }
      const fixture = goldenFixtureOf(encodeEvent(buildEvent(type)));
      // 'wx': fail rather than overwrite, should the file appear meanwhile.
      writeFileSync(join(dir, `${name}.json`), `${JSON.stringify(fixture, null, 2)}\n`, { flag: 'wx' });
      created.push(name);
    }
  }
  return { created, missingOld };
}

if (require.main === module) {
  const { created, missingOld } = createMissingGoldenFixtures();
  process.stdout.write(created.length > 0 ? `created ${created.join(', ')} in ${GOLDEN_DIR}\n` : 'every current version has a golden fixture\n');
  if (missingOld.length > 0) {
    console.error(`no golden fixture for older versions ${missingOld.join(', ')}: commit a record written while they were current`);
    process.exit(1);
  }
}
