import { describe, it, mock } from 'node:test';
import assert from 'node:assert/strict';
import { writeXmlPlist } from '@espalier/shared/util-testing';
import { ProtocolError } from '../protocol.error';
import { parseXmlPlist } from './xml-plist.parser';

const HEADER =
  '<?xml version="1.0" encoding="UTF-8"?>\n' +
  '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">\n';

function parse(xml: string): unknown {
  return parseXmlPlist(Buffer.from(xml, 'utf8'));
}

/** The plist around one value. */
function wrap(value: string): string {
  return `${HEADER}<plist version="1.0">${value}</plist>`;
}

function rejects(xml: string, pattern: RegExp): void {
  const started = Date.now();
  assert.throws(
    () => parse(xml),
    (err: unknown) => err instanceof ProtocolError && err.status === 400 && /^decoding plist: /.test(err.message) && pattern.test(err.message),
  );
  assert.ok(Date.now() - started < 5000, 'a hostile body must not take long to reject');
}

describe('parseXmlPlist: values', () => {
  it('decodes every element type into the PlistValue shape', () => {
    const xml = wrap(`
      <dict>
        <!-- comments and processing instructions between elements are ignored -->
        <key>String</key><string>a &amp; b &lt;c&gt; &#x41;&#66; <![CDATA[<raw>]]></string>
        <key>Empty</key><string/>
        <key>Integer</key><integer> 42 </integer>
        <key>Plus</key><integer>+5</integer>
        <key>Negative</key><integer>-7</integer>
        <key>Real</key><real>-1.5e3</real>
        <key>True</key><true/>
        <key>False</key><false></false>
        <key>Date</key><date>2024-05-06T07:08:09Z</date>
        <key>Data</key><data>
          AAEC
          /v8=
        </data>
        <key>Array</key><array><string>x</string><array/><dict/></array>
      </dict>`);
    assert.deepEqual(parse(xml), {
      String: 'a & b <c> AB <raw>',
      Empty: '',
      Integer: 42,
      Plus: 5,
      Negative: -7,
      Real: -1500,
      True: true,
      False: false,
      Date: new Date('2024-05-06T07:08:09Z'),
      Data: Buffer.from([0, 1, 2, 254, 255]),
      Array: ['x', [], {}],
    });
  });

  it('reads what the test writer produces, byte for byte like a device', () => {
    const value = { Token: Buffer.alloc(100, 7), Nested: { List: [1, 'two', true] }, UDID: 'x' };
    assert.deepEqual(parseXmlPlist(writeXmlPlist(value)), value);
  });

  it('accepts a leading byte-order mark and a bare top-level scalar', () => {
    assert.equal(parse(`\uFEFF${wrap('<string>hi</string>')}`), 'hi');
    assert.equal(parse('<plist><integer>1</integer></plist>'), 1);
  });

  it('keeps the last value of a duplicated key, with an ordinary prototype', () => {
    const dict = parse(wrap('<dict><key>a</key><integer>1</integer><key>a</key><integer>2</integer></dict>'));
    assert.deepEqual(dict, { a: 2 });
    assert.equal(Object.getPrototypeOf(dict), Object.prototype);
  });

  it('accepts 0x hex integers like Go, with a sign', () => {
    assert.equal(parse(wrap('<integer>0x1F</integer>')), 31);
    assert.equal(parse(wrap('<integer>0XfF</integer>')), 255);
    assert.equal(parse(wrap('<integer>-0x10</integer>')), -16);
    assert.equal(parse(wrap('<integer>0x1FFFFFFFFFFFFF</integer>')), Number.MAX_SAFE_INTEGER);
  });

  it('decodes RFC 3339 dates with fractions and offsets', () => {
    assert.deepEqual(parse(wrap('<date>2024-05-06T09:08:09.250+02:00</date>')), new Date('2024-05-06T07:08:09.250Z'));
    assert.deepEqual(parse(wrap('<date>2024-02-29T00:00:00Z</date>')), new Date('2024-02-29T00:00:00Z'));
  });

  it('decodes reals strictly, including the inf/nan spellings', () => {
    assert.equal(parse(wrap('<real>.5</real>')), 0.5);
    assert.equal(parse(wrap('<real>-inf</real>')), -Infinity);
    assert.ok(Number.isNaN(parse(wrap('<real>NaN</real>'))));
  });
});

describe('parseXmlPlist: rejections', () => {
  it('turns malformed XML into a 400 without writing anything to the console', () => {
    const error = mock.method(console, 'error', () => undefined);
    const warn = mock.method(console, 'warn', () => undefined);
    const log = mock.method(console, 'log', () => undefined);
    try {
      rejects('<plist><dict><key>a</key><string>x</dict></plist>', /tag mismatch/);
      rejects('', /missing root element/);
      rejects('nope', /missing root element/);
      rejects('<plist><string>x</string></plist><plist/>', /./);
      rejects('<plist><string>&nbsp;</string></plist>', /entity not found/);
      rejects('<plist><string>x</string></plist> trailing', /./);
      rejects('<plist><y:a/></plist>', /./);
      rejects(`<plist>${'<dict attr=unquoted '.repeat(1000)}`, /./);
      assert.equal(error.mock.callCount(), 0, 'console.error must stay silent');
      assert.equal(warn.mock.callCount(), 0, 'console.warn must stay silent');
      assert.equal(log.mock.callCount(), 0, 'console.log must stay silent');
    } finally {
      error.mock.restore();
      warn.mock.restore();
      log.mock.restore();
    }
  });

  it('keeps error messages short whatever the body quotes', () => {
    assert.throws(
      () => parse(wrap(`<integer>${'9'.repeat(10_000)}x</integer>`)),
      (err: unknown) => err instanceof ProtocolError && err.message.length < 300,
    );
  });

  it('requires a <plist> root with exactly one value', () => {
    rejects('<dict/>', /root element must be <plist>, got <dict>/);
    rejects('<plist/>', /exactly one value, got 0/);
    rejects('<plist><true/><false/></plist>', /exactly one value, got 2/);
  });

  it('refuses unknown elements, stray text and content in empty elements', () => {
    rejects(wrap('<uid>1</uid>'), /unknown element <uid>/);
    rejects(wrap('<null/>'), /unknown element <null>/);
    rejects(wrap('<key>a</key>'), /<key> outside a dict/);
    rejects(wrap('<array>oops<true/></array>'), /unexpected text "oops" in <array>/);
    rejects(wrap('<true>yes</true>'), /<true> must be empty/);
    rejects(wrap('<string>a<b/></string>'), /unexpected element <b> in <string>/);
  });

  it('refuses a dict that is not strictly key/value pairs', () => {
    rejects(wrap('<dict><key>a</key><string>x</string><key>b</key></dict>'), /key "b" has no value/);
    rejects(wrap('<dict><string>x</string><string>y</string></dict>'), /expected <key>, got <string>/);
    rejects(wrap('<dict><key>a</key><key>b</key></dict>'), /<key> outside a dict/);
    rejects(wrap('<dict><key>__proto__</key><string>x</string></dict>'), /__proto__/);
  });

  it('refuses integers that are not decimal or hex, or exceed 2^53', () => {
    rejects(wrap('<integer>12abc</integer>'), /invalid integer "12abc"/);
    rejects(wrap('<integer>0x</integer>'), /invalid integer/);
    rejects(wrap('<integer>0xG1</integer>'), /invalid integer/);
    rejects(wrap('<integer>1.5</integer>'), /invalid integer/);
    rejects(wrap('<integer></integer>'), /invalid integer ""/);
    rejects(wrap('<integer>0x20000000000000</integer>'), /outside/);
    rejects(wrap('<integer>-9007199254740992</integer>'), /outside/);
  });

  it('refuses invalid base64 instead of decoding it leniently', () => {
    rejects(wrap('<data>AAA</data>'), /invalid base64/);
    rejects(wrap('<data>A===</data>'), /invalid base64/);
    rejects(wrap('<data>AA=A</data>'), /invalid base64/);
    rejects(wrap('<data>AA-_</data>'), /invalid base64/);
    rejects(wrap('<data>AAAA!</data>'), /invalid base64/);
  });

  it('refuses unparseable dates and reals', () => {
    rejects(wrap('<date>yesterday</date>'), /invalid date "yesterday"/);
    rejects(wrap('<date>2023-02-29T00:00:00Z</date>'), /invalid date/);
    rejects(wrap('<date>2024-05-06T24:00:00Z</date>'), /invalid date/);
    rejects(wrap('<date>2024-05-06</date>'), /invalid date/);
    rejects(wrap('<real>1.5abc</real>'), /invalid real "1.5abc"/);
    rejects(wrap('<real/>'), /invalid real/);
  });

  it('refuses a DOCTYPE with an internal subset, so no entity is ever declared or expanded', () => {
    const entity = '<!DOCTYPE plist [<!ENTITY x "expanded">]>';
    rejects(`${entity}<plist><string>&x;</string></plist>`, /internal subset/);
    rejects(`${entity}<plist><string>plain</string></plist>`, /internal subset/);
    rejects('<!DOCTYPE plist [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><plist><string>&xxe;</string></plist>', /internal subset/);
    const laughs = Array.from({ length: 10 }, (_, i) => `<!ENTITY l${i + 1} "${`&l${i};`.repeat(10)}">`).join('');
    rejects(`<!DOCTYPE plist [<!ENTITY l0 "lol">${laughs}]><plist><string>&l10;</string></plist>`, /internal subset/);
  });

  it('bounds nesting at 128 levels', () => {
    const nested = (depth: number): string => `<plist>${'<array>'.repeat(depth)}${'</array>'.repeat(depth)}</plist>`;
    assert.ok(Array.isArray(parse(nested(128))));
    rejects(nested(129), /nesting deeper than 128/);
    const dicts = `<plist>${'<dict><key>k</key>'.repeat(200)}<true/>${'</dict>'.repeat(200)}</plist>`;
    rejects(dicts, /nesting deeper than 128/);
    rejects(nested(100_000), /nesting deeper than 128/);
  });

  it('bounds the number of elements before building a DOM', () => {
    rejects(`<plist><array>${'<!---->'.repeat(2_200_000)}</array></plist>`, /more than \d+ elements/);
  });
});
