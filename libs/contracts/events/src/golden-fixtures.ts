// The schema-evolution guard. A golden fixture is one record of one event version exactly as
// Kafka carried it when that version was current. The log keeps records forever, so every
// fixture must still decode, through the upcasters, to the current shape, on the same topic
// and key: a catalog change that breaks one would break reading the log from offset 0.
// Fixtures are frozen once committed (libs/contracts/events/src/golden/README.md).
import type { AnyEventDefinition } from './define-event';
import type { EncodedEvent, EventCatalog } from './catalog';
import type { EventEnvelope } from './envelope.schema';

export interface GoldenFixture {
  readonly topic: string;
  readonly key: string;
  readonly headers: Readonly<Record<string, string>>;
  /** The record value byte for byte: the envelope's UTF-8 JSON, as it was written. */
  readonly value: string;
}

export interface GoldenProblem {
  /** `<type>.v<version>`: the fixture's name (its file is `<name>.json`). */
  readonly fixture: string;
  readonly problem: string;
}

/** `TokenUpdated.v1`: the fixture name of one event version (its file is `<name>.json`). */
export function goldenFixtureName(type: string, version: number): string {
  return `${type}.v${version}`;
}

/** The fixture of a freshly encoded (current-version) event. */
export function goldenFixtureOf(encoded: EncodedEvent): GoldenFixture {
  return { topic: encoded.topic, key: encoded.key, headers: { ...encoded.headers }, value: encoded.value.toString('utf8') };
}

/**
 * Every problem with `fixtures` (by name) against `catalog`; empty when the catalog can still
 * read everything it ever wrote. Pure: the caller loads the fixtures.
 */
export function checkGoldenFixtures(catalog: EventCatalog<AnyEventDefinition>, fixtures: ReadonlyMap<string, GoldenFixture>): GoldenProblem[] {
  const problems: GoldenProblem[] = [];
  for (const { type, version } of catalog.definitions) {
    for (let v = 1; v <= version; v++) {
      const name = goldenFixtureName(type, v);
      if (!fixtures.has(name)) problems.push({ fixture: name, problem: 'no golden fixture for this version (npm run events:golden)' });
    }
  }
  for (const [name, fixture] of fixtures) {
    for (const problem of fixtureProblems(catalog, name, fixture)) problems.push({ fixture: name, problem });
  }
  return problems.sort((a, b) => a.fixture.localeCompare(b.fixture) || a.problem.localeCompare(b.problem));
}

function fixtureProblems(catalog: EventCatalog<AnyEventDefinition>, name: string, fixture: GoldenFixture): string[] {
  let decoded: EventEnvelope<string, number, unknown>;
  try {
    decoded = catalog.decode({ value: fixture.value, headers: fixture.headers }) as EventEnvelope<string, number, unknown>;
  } catch (error) {
    return [`no longer decodes: ${error instanceof Error ? error.message : String(error)}`];
  }
  const stored = JSON.parse(fixture.value) as { type: string; version: number };
  const definition = catalog.definitionOf(decoded.type);
  if (definition === undefined) return [`decoded to unknown type "${decoded.type}"`];
  const problems: string[] = [];
  if (goldenFixtureName(stored.type, stored.version) !== name) problems.push(`holds ${stored.type} v${stored.version}, not ${name}`);
  if (decoded.version !== definition.version) problems.push(`decoded to v${decoded.version}, not the current v${definition.version}`);
  if (!definition.envelope.safeParse(decoded).success) problems.push(`decoded event does not match the current v${definition.version} schema`);
  if (fixture.topic !== definition.topic) problems.push(`written to ${fixture.topic}, but the catalog now puts ${decoded.type} on ${definition.topic}`);
  const key = definition.key(decoded);
  if (key !== fixture.key) problems.push(`keyed "${fixture.key}", but the catalog now keys it "${key}" (per-device order would break)`);
  return problems;
}
