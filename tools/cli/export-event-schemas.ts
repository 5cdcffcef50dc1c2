// Writes the event catalog's JSON Schemas to docs/events/ for external subscribers:
// `<type>.v<version>.schema.json` per event version, `index.json`, and `asyncapi.json` (AsyncAPI
// 3.0: every topic and event version, with those schemas; see docs/subscribing.md).
//   npm run events:schema            regenerate (and delete stale schema files)
//   npm run events:schema -- --check exit 1 if the committed files differ from the catalog
import { readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { asyncApiDocument, eventCatalog, TOPIC_DESCRIPTIONS } from '@espalier/contracts/events';

export const EVENT_SCHEMA_DIR = resolve(__dirname, '../../docs/events');
const INDEX_FILE = 'index.json';
export const ASYNCAPI_FILE = 'asyncapi.json';
const PACKAGE_VERSION = (JSON.parse(readFileSync(resolve(__dirname, '../../package.json'), 'utf8')) as { version: string }).version;

/** File name → exact file content, derived only from the catalog. */
export function renderEventSchemaFiles(): Map<string, string> {
  const files = new Map<string, string>();
  const index: { type: string; version: number; topic: string; schema: string }[] = [];
  const schemas = eventCatalog.jsonSchemas();
  for (const name of Object.keys(schemas).sort()) {
    const schema = schemas[name];
    const file = `${name}.schema.json`;
    const [type, version] = name.split('.v');
    files.set(file, toJson(schema));
    index.push({ type, version: Number(version), topic: String(schema['x-espalier-topic']), schema: file });
  }
  files.set(INDEX_FILE, toJson({ events: index }));
  files.set(ASYNCAPI_FILE, toJson(renderAsyncApi()));
  return files;
}

/** The AsyncAPI document of docs/events/asyncapi.json. */
export function renderAsyncApi() {
  return asyncApiDocument(eventCatalog, {
    title: 'Espalier events',
    version: PACKAGE_VERSION,
    description:
      'Every event Espalier writes to Kafka, per topic and version. Subscribe with your own consumer group; key = device-channel ID; at-least-once, de-duplicate by eventId. Guide: docs/subscribing.md. Each payload schema is also in docs/events/<type>.v<version>.schema.json (draft 2020-12).',
    topics: TOPIC_DESCRIPTIONS,
  });
}

/** Files that differ from the catalog: missing, changed, or stale (no longer generated). */
export function findDrift(dir: string = EVENT_SCHEMA_DIR): string[] {
  const expected = renderEventSchemaFiles();
  const present = listGenerated(dir);
  const drift = [...expected].filter(([file, content]) => !present.includes(file) || readFileSync(join(dir, file), 'utf8') !== content);
  const stale = present.filter((file) => !expected.has(file));
  return [...drift.map(([file]) => file), ...stale].sort();
}

export function writeEventSchemas(dir: string = EVENT_SCHEMA_DIR): void {
  const expected = renderEventSchemaFiles();
  mkdirSync(dir, { recursive: true });
  for (const file of listGenerated(dir)) if (!expected.has(file)) rmSync(join(dir, file));
  for (const [file, content] of expected) writeFileSync(join(dir, file), content);
}

function listGenerated(dir: string): string[] {
  try {
    return readdirSync(dir).filter((file) => file.endsWith('.schema.json') || file === INDEX_FILE || file === ASYNCAPI_FILE);
  } catch {
    return [];
  }
}

function toJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

if (require.main === module) {
  if (process.argv.includes('--check')) {
    const drift = findDrift();
    if (drift.length > 0) {
      console.error(`event schemas out of date (run npm run events:schema): ${drift.join(', ')}`);
      process.exit(1);
    }
  } else {
    writeEventSchemas();
    process.stdout.write(`wrote ${renderEventSchemaFiles().size} files to ${EVENT_SCHEMA_DIR}\n`);
  }
}
