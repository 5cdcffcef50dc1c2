import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fx from '@espalier/shared/util-testing';
import type { PlistValue } from './plist-value';
import { fastParseXmlPlist } from './xml-plist.fast';
import { buildByHand, buildWithPackage, mutate, randomValue, repositoryPlists, seeded } from './xml-plist.fast.given';
import { parseXmlPlist, parseXmlPlistWithDom } from './xml-plist.parser';

const RANDOM_VALUES = 300;
const MUTATIONS_PER_INPUT = 20;

type Outcome = { ok: true; value: PlistValue } | { ok: false; error: unknown };

function viaDom(text: string): Outcome {
  try {
    return { ok: true, value: parseXmlPlistWithDom(text) };
  } catch (error) {
    return { ok: false, error };
  }
}

/**
 * The fast path's one promise: a value only where the DOM path returns the
 * very same value (so never where the DOM path throws). Returns which paths answered.
 */
function compare(text: string): { fast: boolean; dom: boolean } {
  const fast = fastParseXmlPlist(text);
  const dom = viaDom(text);
  if (fast !== undefined) {
    assert.ok(dom.ok, `fast path accepted what the DOM path refuses (${dom.ok ? '' : String(dom.error)}): ${JSON.stringify(text.slice(0, 300))}`);
    assert.deepStrictEqual(fast, dom.value, `fast and DOM paths differ on ${JSON.stringify(text.slice(0, 300))}`);
  }
  return { fast: fast !== undefined, dom: dom.ok };
}

const APPLE_HEADER =
  '<?xml version="1.0" encoding="UTF-8"?>\n' +
  '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">\n';

const COMMAND_REPORT = `${APPLE_HEADER}<plist version="1.0">
<dict>
	<key>CommandUUID</key>
	<string>0F6C3C58-5C1A-4C4B-9E0B-2A1F1B9C7D11</string>
	<key>Status</key>
	<string>Acknowledged</string>
	<key>UDID</key>
	<string>E85F4EA9-96FB-4E0F-AF1D-99BF88DA495F</string>
</dict>
</plist>
`;

describe('fastParseXmlPlist: differential against the DOM path', () => {
  it('never disagrees with it, on the repository plists, random plists and their mutations', (t) => {
    const random = seeded(0x5eed);
    const bases = repositoryPlists();
    for (let i = 0; i < RANDOM_VALUES; i++) {
      const value = randomValue(random);
      bases.push(buildWithPackage(value), buildByHand(value, random));
    }
    const counts = { inputs: 0, fast: 0, dom: 0, unmutated: bases.length, unmutatedFast: 0, unmutatedDom: 0 };
    const tally = (text: string, unmutated: boolean): void => {
      const answered = compare(text);
      counts.inputs++;
      if (answered.fast) counts.fast++;
      if (answered.dom) counts.dom++;
      if (unmutated && answered.fast) counts.unmutatedFast++;
      if (unmutated && answered.dom) counts.unmutatedDom++;
    };
    for (const base of bases) {
      tally(base, true);
      for (let m = 0; m < MUTATIONS_PER_INPUT; m++) tally(mutate(base, random), false);
    }
    t.diagnostic(JSON.stringify(counts));
    // Proof that it is not just always bailing: most plists the DOM path reads, it reads too.
    assert.ok(counts.unmutatedFast > counts.unmutatedDom * 0.7, `only ${counts.unmutatedFast} of ${counts.unmutatedDom} readable unmutated inputs took the fast path`);
    assert.ok(counts.fast > counts.dom / 2, `only ${counts.fast} of ${counts.dom} readable inputs took the fast path`);
  });

  it('gives parseXmlPlist the same results and errors as before on the repository plists', () => {
    for (const text of repositoryPlists()) {
      const dom = viaDom(text);
      const body = Buffer.from(text, 'utf8');
      if (dom.ok) assert.deepStrictEqual(parseXmlPlist(body), dom.value);
      else assert.throws(() => parseXmlPlist(body), { message: (dom.error as Error).message });
    }
  });
});

describe('fastParseXmlPlist: what it takes', () => {
  it('a typical command report: declaration, Apple DOCTYPE, <plist version="1.0">', () => {
    assert.deepStrictEqual(fastParseXmlPlist(COMMAND_REPORT), {
      CommandUUID: '0F6C3C58-5C1A-4C4B-9E0B-2A1F1B9C7D11',
      Status: 'Acknowledged',
      UDID: 'E85F4EA9-96FB-4E0F-AF1D-99BF88DA495F',
    });
  });

  it('Idle and Acknowledged reports with nested dicts, arrays and data', () => {
    assert.deepStrictEqual(fastParseXmlPlist(fx.idleReport().toString('utf8')), { Status: 'Idle', UDID: fx.FIXTURE_IDS.macosDevice.udid });
    const queryResponses = { Profiles: [{ Identifier: 'a', Payload: Buffer.alloc(200, 1) }, { Identifier: 'b &<>' }], Count: 2, Empty: {} };
    const text = fx.acknowledgedReport({ commandUuid: 'C', requestType: 'ProfileList', queryResponses }).toString('utf8');
    const value = fastParseXmlPlist(text);
    assert.ok(value !== undefined);
    assert.deepStrictEqual(value, parseXmlPlistWithDom(text));
    assert.deepStrictEqual((value as { QueryResponses: unknown }).QueryResponses, queryResponses);
  });

  it('a TokenUpdate check-in whose <data> spans several lines', () => {
    const text = fx.iosTokenUpdate().toString('utf8');
    assert.match(text, /<data>\n\t+[A-Za-z0-9+/=]+\n\t+[A-Za-z0-9+/=]+/);
    const value = fastParseXmlPlist(text);
    assert.ok(value !== undefined);
    assert.deepStrictEqual(value, parseXmlPlistWithDom(text));
  });

  it('self-closing and empty elements, comments and processing instructions, as the DOM path reads them', () => {
    const text = '<plist><!-- c --><?pi x?><dict><key/><string/><key>s</key><string>  a\n&lt;&amp;&quot;&apos;&gt; </string><key>t</key><true> </true><key>f</key><false/><key>d</key><data/><key>a</key><array/><key>e</key><dict/></dict></plist><!-- end -->\n';
    const expected = { '': '', s: '  a\n<&"\'> ', t: true, f: false, d: Buffer.alloc(0), a: [], e: {} };
    assert.deepStrictEqual(fastParseXmlPlist(text), expected);
    assert.deepStrictEqual(parseXmlPlistWithDom(text), expected);
  });
});

describe('fastParseXmlPlist: where it leaves the body to the DOM path', () => {
  const cases: [string, string][] = [
    ['CDATA', '<plist><string><![CDATA[x]]></string></plist>'],
    ['CRLF line ends', COMMAND_REPORT.replace(/\n/g, '\r\n')],
    ['a numeric character reference', '<plist><string>&#65;</string></plist>'],
    ['a DOCTYPE internal subset', '<!DOCTYPE plist [<!ENTITY x "y">]><plist><string>x</string></plist>'],
    ['a __proto__ key', '<plist><dict><key>__proto__</key><string>x</string></dict></plist>'],
    ['NEL, which xmldom turns into a newline', '<plist><string>a\u0085b</string></plist>'],
    ['a comment inside a leaf', '<plist><string>a<!-- c -->b</string></plist>'],
    ['an attribute on a value element', '<plist><string a="b">x</string></plist>'],
    ['whitespace in a closing tag', '<plist><string>x</string ></plist>'],
    ['a scalar the decoders refuse', '<plist><integer>12abc</integer></plist>'],
    ['nesting at the depth limit', `<plist>${'<array>'.repeat(129)}${'</array>'.repeat(129)}</plist>`],
  ];
  for (const [name, text] of cases) {
    it(name, () => assert.equal(fastParseXmlPlist(text), undefined));
  }

  it('yet parseXmlPlist still decodes or refuses them exactly as the DOM path does', () => {
    for (const [, text] of cases) {
      const dom = viaDom(text);
      if (dom.ok) assert.deepStrictEqual(parseXmlPlist(Buffer.from(text)), dom.value);
      else assert.throws(() => parseXmlPlist(Buffer.from(text)), { message: (dom.error as Error).message });
    }
  });
});
