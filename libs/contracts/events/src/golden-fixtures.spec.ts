// Proves the schema-evolution guard bites: the committed golden fixtures against catalogs with
// one deliberate change each. (tools/cli/golden-event-fixtures.spec.ts runs it on the real one.)
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { createCatalog } from './catalog';
import { CommandReported } from './command.events';
import { defineEvent, upcaster, type AnyEventDefinition } from './define-event';
import { TokenUpdated, UserAuthenticated } from './enrollment.events';
import { eventDefinitions } from './event-catalog';
import { checkGoldenFixtures, type GoldenFixture, type GoldenProblem } from './golden-fixtures';
import { TOPICS } from './topics';

/** The committed fixture of every version the real catalog has (their files: ./golden). */
const fixtures = new Map<string, GoldenFixture>(
  eventDefinitions.flatMap((d) =>
    Array.from({ length: d.version }, (_, i) => {
      const name = `${d.type}.v${i + 1}`;
      return [name, require(`./golden/${name}.json`) as GoldenFixture] as const;
    }),
  ),
);
const fixture = (name: string): GoldenFixture => fixtures.get(name) ?? assert.fail(`no fixture ${name}`);

/** The real definitions with `changed` in place of the one of the same type (or without `removed`). */
function catalogWith(change: { changed?: AnyEventDefinition; removed?: string }) {
  const definitions = eventDefinitions
    .filter((d) => d.type !== change.removed)
    .map((d) => (change.changed && d.type === change.changed.type ? change.changed : d)) as AnyEventDefinition[];
  return createCatalog(definitions);
}

function problems(change: Parameters<typeof catalogWith>[0]): GoldenProblem[] {
  return checkGoldenFixtures(catalogWith(change), fixtures);
}

const tokenUpdatedData = TokenUpdated.data as z.ZodObject;
const commandReportedData = CommandReported.data as z.ZodObject;
const redefine = (base: AnyEventDefinition, input: Partial<Parameters<typeof defineEvent>[0]>) =>
  defineEvent({ type: base.type, version: base.version, topic: base.topic, requires: base.requires, data: base.data, upcastFrom: base.upcastFrom, ...input });

describe('checkGoldenFixtures (the guard can fail)', () => {
  it('control: the unchanged catalog reads every fixture', () => {
    assert.deepEqual(problems({}), []);
  });

  it('a new required field without a new version breaks the current and the old fixture', () => {
    const found = problems({ changed: redefine(CommandReported, { data: commandReportedData.extend({ site: z.string() }) }) });
    assert.deepEqual(
      found.map((p) => p.fixture),
      ['CommandReported.v1', 'CommandReported.v2'],
    );
    for (const p of found) assert.match(p.problem, /^no longer decodes: decoding event CommandReported v[12]: data\.site: invalid input/);
  });

  it('a changed field type breaks the fixture', () => {
    const found = problems({ changed: redefine(TokenUpdated, { data: tokenUpdatedData.extend({ token: z.number() }) }) });
    assert.equal(found.length, 1);
    assert.equal(found[0].fixture, 'TokenUpdated.v1');
    assert.match(found[0].problem, /data\.token: invalid input: expected number, received string/);
  });

  it('a new version without a fixture fails, even with a correct upcaster', () => {
    const v2Data = commandReportedData;
    const bumped = defineEvent({
      type: 'CommandReported',
      version: 3,
      topic: TOPICS.command,
      requires: ['enrollmentId', 'deviceId'],
      data: v2Data.extend({ site: z.string() }),
      upcastFrom: [...CommandReported.upcastFrom, upcaster({ version: 2, data: v2Data, upcast: (old) => ({ ...old, site: 'default' }) })],
    });
    assert.deepEqual(problems({ changed: bumped }), [
      { fixture: 'CommandReported.v3', problem: 'no golden fixture for this version (npm run events:golden)' },
    ]);
  });

  it('an upcaster that no longer yields the current shape breaks the old fixture only', () => {
    const [step] = UserAuthenticated.upcastFrom;
    const found = problems({ changed: redefine(UserAuthenticated, { upcastFrom: [upcaster({ version: 1, data: step.data, upcast: (old) => old })] }) });
    assert.deepEqual(found.map((p) => p.fixture), ['UserAuthenticated.v1']);
    assert.match(found[0].problem, /data\.stored: invalid input: expected boolean/);
  });

  it('a removed (or renamed) event type breaks its fixture', () => {
    const found = problems({ removed: 'EnrollmentCheckedOut' });
    assert.deepEqual(found, [{ fixture: 'EnrollmentCheckedOut.v1', problem: 'no longer decodes: decoding event: unknown type "EnrollmentCheckedOut"' }]);
  });

  it('moving an event to another topic or changing its key is reported', () => {
    const moved = problems({ changed: redefine(TokenUpdated, { topic: TOPICS.push }) });
    assert.deepEqual(moved.map((p) => p.problem), ['written to mdm.enrollment, but the catalog now puts TokenUpdated on mdm.push']);
    const rekeyed = problems({ changed: redefine(TokenUpdated, { key: (e) => `${e.enrollmentId}!`, keyRule: 'changed' }) });
    assert.equal(rekeyed.length, 1);
    assert.match(rekeyed[0].problem, /^keyed "470E005B-8CD0-4DB9-A1B3-0EBC340D432A", but the catalog now keys it ".*!" \(per-device order would break\)$/);
  });

  it('a fixture stored under the wrong name is reported', () => {
    const found = checkGoldenFixtures(catalogWith({}), new Map([['TokenUpdated.v1', fixture('CommandReported.v2')]])).filter((p) => p.fixture === 'TokenUpdated.v1');
    assert.deepEqual(found.map((p) => p.problem), ['holds CommandReported v2, not TokenUpdated.v1']);
  });

  it('an additive optional field is compatible: nothing is reported', () => {
    assert.deepEqual(problems({ changed: redefine(TokenUpdated, { data: tokenUpdatedData.extend({ note: z.string().optional() }) }) }), []);
  });
});
