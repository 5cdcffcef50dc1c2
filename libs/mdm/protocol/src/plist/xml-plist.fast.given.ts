import { build } from 'plist';
import * as fx from '@espalier/shared/util-testing';
import { bootstrapTokenReply, digestChallengeReply, tokenDataReply } from '../reply/replies';

/**
 * Inputs for the fast path's differential spec: the repository's XML
 * plists, random plists written by the `plist` package and by hand in the
 * layouts the fast path must handle, and mutations of all of them. Every
 * choice comes from a seeded PRNG, so a failure reproduces.
 */

export type Random = () => number;

/** mulberry32: small, fast, and the same sequence on every run. */
export function seeded(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const APPLE_HEADER =
  '<?xml version="1.0" encoding="UTF-8"?>\n' +
  '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">\n';
const wrap = (value: string): string => `${APPLE_HEADER}<plist version="1.0">${value}</plist>`;

/** (a) Every XML plist the repository's specs and fixtures hold (grep '<plist' under libs/, test/, tools/). */
export function repositoryPlists(): string[] {
  const commandUuid = fx.fixtureUuid('command');
  const buffers = [
    fx.idleReport(),
    fx.acknowledgedReport({ commandUuid }),
    fx.acknowledgedReport({ commandUuid, requestType: 'DeviceInformation', queryResponses: { DeviceName: 'Mac <&> "x"', BatteryLevel: fx.real(0.5), IsSupervised: true } }),
    fx.errorReport({ commandUuid }),
    fx.notNowReport({ commandUuid }),
    fx.statusReport('CommandFormatError', { commandUuid }),
    fx.commandPlist({ commandUuid, requestType: 'InstallProfile', command: { Payload: Buffer.alloc(300, 9) } }),
    ...fx.fixtureDevices.flatMap((device) => [device.tokenUpdate(), ...(device.authenticate ? [device.authenticate()] : [])]),
    fx.checkOut(),
    fx.setBootstrapToken(),
    fx.getBootstrapToken(),
    fx.declarativeManagement(),
    fx.getToken(),
    fx.macosUserAuthenticate({ digestResponse: 'r' }),
    fx.writeXmlPlist({ Token: Buffer.alloc(100, 7), Nested: { List: [1, 'two', true] }, UDID: 'x', When: new Date('2024-05-06T07:08:09Z'), Empty: [] }),
    digestChallengeReply(),
    bootstrapTokenReply(Buffer.from('bootstrap-token-bytes')),
    tokenDataReply(Buffer.from([0xff, 0x00])),
  ];
  return [...buffers.map((body) => body.toString('utf8')), ...INLINE_PLISTS];
}

/** The string literals of the specs, fixtures and tools (including the ones that must fail). */
const INLINE_PLISTS = [
  // libs/mdm/protocol/src/plist/xml-plist.parser.spec.ts
  wrap(`
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
      </dict>`),
  wrap('<string>hi</string>'),
  '<plist><integer>1</integer></plist>',
  wrap('<dict><key>a</key><integer>1</integer><key>a</key><integer>2</integer></dict>'),
  ...['0x1F', '0XfF', '-0x10', '0x1FFFFFFFFFFFFF', '12abc', '0x', '0xG1', '1.5', '', '0x20000000000000', '-9007199254740992'].map((n) => wrap(`<integer>${n}</integer>`)),
  ...['2024-05-06T09:08:09.250+02:00', '2024-02-29T00:00:00Z', 'yesterday', '2023-02-29T00:00:00Z', '2024-05-06T24:00:00Z', '2024-05-06'].map((d) => wrap(`<date>${d}</date>`)),
  ...['.5', '-inf', 'NaN', '1.5abc'].map((r) => wrap(`<real>${r}</real>`)),
  wrap('<real/>'),
  '<plist><dict><key>a</key><string>x</dict></plist>',
  '',
  'nope',
  '<plist><string>x</string></plist><plist/>',
  '<plist><string>&nbsp;</string></plist>',
  '<plist><string>x</string></plist> trailing',
  '<plist><y:a/></plist>',
  `<plist>${'<dict attr=unquoted '.repeat(20)}`,
  '<dict/>',
  '<plist/>',
  '<plist><true/><false/></plist>',
  ...['<uid>1</uid>', '<null/>', '<key>a</key>', '<array>oops<true/></array>', '<true>yes</true>', '<string>a<b/></string>'].map(wrap),
  ...[
    '<dict><key>a</key><string>x</string><key>b</key></dict>',
    '<dict><string>x</string><string>y</string></dict>',
    '<dict><key>a</key><key>b</key></dict>',
    '<dict><key>__proto__</key><string>x</string></dict>',
  ].map(wrap),
  ...['AAA', 'A===', 'AA=A', 'AA-_', 'AAAA!'].map((d) => wrap(`<data>${d}</data>`)),
  '<!DOCTYPE plist [<!ENTITY x "expanded">]><plist><string>&x;</string></plist>',
  '<!DOCTYPE plist [<!ENTITY x "expanded">]><plist><string>plain</string></plist>',
  '<!DOCTYPE plist [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><plist><string>&xxe;</string></plist>',
  `<plist>${'<array>'.repeat(128)}${'</array>'.repeat(128)}</plist>`,
  `<plist>${'<array>'.repeat(129)}${'</array>'.repeat(129)}</plist>`,
  `<plist>${'<dict><key>k</key>'.repeat(200)}<true/>${'</dict>'.repeat(200)}</plist>`,
  // libs/mdm/protocol/src/plist/parse-plist.spec.ts
  '<plist><dict><key>a</key><uid>1</uid></dict></plist>',
  '<plist><dict><key>a</key><integer>12abc</integer></dict></plist>',
  '<plist><dict><key>a</key><integer>18446744073709551615</integer></dict></plist>',
  '<plist><integer>-9007199254740991</integer></plist>',
  '<plist><dict><key>a</key><date>yesterday</date></dict></plist>',
  '<plist><dict><key>__proto__</key><string>x</string></dict></plist>',
  // libs/shared, libs/checkin, libs/api, libs/commands, libs/mdm/device-auth, libs/push, libs/webhook, test/
  '<plist/>',
  '<?xml version="1.0"?>\r\n<plist>\u00e9</plist>',
  '<plist>report</plist>',
  '<plist>body</plist>',
  '<?xml version="1.0"?><plist/>',
  '<plist>profile</plist>',
  '<plist>TokenUpdate</plist>',
  '<?xml version="1.0"?><plist version="1.0"><dict><key>MessageType</key><string>TokenUpdate</string></dict></plist>\n',
  '<?xml version="1.0"?><plist version="1.0"><dict><key>MessageType</key><string>Authenticate</string></dict></plist>\n',
  '<plist><dict><key>MessageType</key><string>Authenticate</string></dict></plist>',
  '<?xml version="1.0"?><plist version="1.0"><dict><key>CommandUUID</key><string>B</string></dict></plist>',
  '<?xml version="1.0"?><plist><dict><key>Status</key><string>Acknowledged</string></dict></plist>',
  '<?xml version="1.0"?><plist>A</plist>',
  '<?xml version="1.0"?><plist version="1.0"><dict><key>MessageType</key><string>Authenticate</string><key>UDID</key><string>u</string>',
  '<?xml version="1.0"?><plist version="1.0"><dict><key>UDID</key><string>d</string></dict></plist>',
  `${APPLE_HEADER}<plist version="1.0">\n<dict>\n\t<key>DigestChallenge</key>\n\t<string></string>\n</dict>\n</plist>`,
  // libs/webhook/domain/src/testdata (NanoMDM's testdata), verbatim: a pure lib's spec reads no files
  [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">',
    '<plist version="1.0">',
    '<dict>',
    '\t<key>CommandUUID</key>',
    '\t<string>76eda240-5488-4989-8339-f2ae160113c4</string>',
    '\t<key>QueryResponses</key>',
    '\t<dict>',
    '\t\t<key>HostName</key>',
    '\t\t<string>fruit.example.com</string>',
    '\t\t<key>UDID</key>',
    '\t\t<string>66ADE930-5FDF-5EC4-8429-15640684C489</string>',
    '\t</dict>',
    '\t<key>RequestType</key>',
    '\t<string>DeviceInformation</string>',
    '\t<key>Status</key>',
    '\t<string>Acknowledged</string>',
    '\t<key>UDID</key>',
    '\t<string>66ADE930-5FDF-5EC4-8429-15640684C489</string>',
    '</dict>',
    '</plist>',
    '',
    '',
  ].join('\n'),
  [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">',
    '<plist version="1.0">',
    '<dict>',
    '\t<key>BuildVersion</key>',
    '\t<string>16G2136</string>',
    '\t<key>Challenge</key>',
    '\t<data>',
    '\tYXBwbGU=',
    '\t</data>',
    '\t<key>DeviceName</key>',
    '\t<string>Fruit</string>',
    '\t<key>MessageType</key>',
    '\t<string>Authenticate</string>',
    '\t<key>Model</key>',
    '\t<string>iMac14,2</string>',
    '\t<key>ModelName</key>',
    '\t<string>iMac</string>',
    '\t<key>OSVersion</key>',
    '\t<string>10.12.6</string>',
    '\t<key>ProductName</key>',
    '\t<string>iMac14,2</string>',
    '\t<key>SerialNumber</key>',
    '\t<string>C02MT66KFLHH</string>',
    '\t<key>Topic</key>',
    '\t<string>com.apple.mgmt.External.e0bd1eac-1f17-4c8e-8a63-dd17d3dd35d9</string>',
    '\t<key>UDID</key>',
    '\t<string>66ADE930-5FDF-5EC4-8429-15640684C489</string>',
    '</dict>',
    '</plist>',
    '',
  ].join('\n'),
];

export type Generated = string | number | boolean | Date | Buffer | Generated[] | { [key: string]: Generated };

const STRING_PIECES = ['a', 'Z', '0', ' ', '  ', '\t', '\n', '<', '>', '&', '"', "'", ';', '&amp;', 'é', 'ü', '日本', '😀', '\u00a0', 'key', '-', ']]>', '\r'];

/** (b) A random plist value: nested dicts and arrays, every scalar type, integers up to ±(2^53 − 1). */
export function randomValue(random: Random, depth = 0): Generated {
  const pick = random();
  if (depth < 4 && pick < 0.15) return Array.from({ length: Math.floor(random() * 5) }, () => randomValue(random, depth + 1));
  if (depth < 4 && pick < 0.35) {
    const dict: Record<string, Generated> = {};
    for (let i = Math.floor(random() * 6); i > 0; i--) dict[randomString(random)] = randomValue(random, depth + 1);
    return dict;
  }
  if (pick < 0.55) return randomString(random);
  if (pick < 0.7) return randomInteger(random);
  if (pick < 0.77) return (random() - 0.5) * 10 ** Math.floor(random() * 12 - 4) + 0.25;
  if (pick < 0.85) return random() < 0.5;
  if (pick < 0.92) return new Date(Math.floor(random() * 4e9) * 1000);
  return Buffer.from(Array.from({ length: Math.floor(random() * 90) }, () => Math.floor(random() * 256)));
}

function randomString(random: Random): string {
  let text = '';
  for (let i = Math.floor(random() * 8); i > 0; i--) text += STRING_PIECES[Math.floor(random() * STRING_PIECES.length)];
  return text;
}

function randomInteger(random: Random): number {
  const magnitude = random() < 0.3 ? Number.MAX_SAFE_INTEGER - Math.floor(random() * 1000) : Math.floor(random() * 10 ** Math.floor(random() * 16));
  return random() < 0.4 ? -magnitude : magnitude;
}

/** The `plist` package's own serialisation. */
export function buildWithPackage(value: Generated): string {
  return build(value);
}

/** A hand-written serialisation in one of the layouts devices and tools produce, chosen at random. */
export function buildByHand(value: Generated, random: Random): string {
  const style = {
    indent: ['', '\t', '  ', ' \n'][Math.floor(random() * 4)],
    selfClose: random() < 0.5,
    comments: random() < 0.3,
    instructions: random() < 0.2,
    hex: random() < 0.3,
    quotes: random() < 0.5,
    rawGt: random() < 0.5,
    wrap: 4 * (1 + Math.floor(random() * 20)),
  };
  const between = (pad: string): string => {
    let text = style.indent ? `\n${pad}` : '';
    if (style.comments && random() < 0.3) text += `<!-- note ${Math.floor(random() * 100)} - <x> -->${style.indent ? `\n${pad}` : ''}`;
    if (style.instructions && random() < 0.3) text += `<?note data ?>${style.indent ? `\n${pad}` : ''}`;
    return text;
  };
  const escape = (text: string): string => {
    let out = text.replace(/&/g, '&amp;').replace(/</g, '&lt;');
    if (!style.rawGt) out = out.replace(/>/g, '&gt;');
    return style.quotes ? out.replace(/"/g, '&quot;').replace(/'/g, '&apos;') : out;
  };
  const leaf = (tag: string, text: string): string => (text === '' && style.selfClose ? `<${tag}/>` : `<${tag}>${text}</${tag}>`);
  const write = (item: Generated, pad: string): string => {
    const inner = pad + style.indent.replace('\n', '');
    if (typeof item === 'string') return leaf('string', escape(item));
    if (typeof item === 'boolean') return style.selfClose ? `<${item}/>` : `<${item}>${random() < 0.2 ? ' \n ' : ''}</${item}>`;
    if (typeof item === 'number') {
      if (!Number.isInteger(item)) return `<real>${item}</real>`;
      if (style.hex && random() < 0.5) return `<integer>${item < 0 ? '-' : ''}0x${Math.abs(item).toString(16)}</integer>`;
      return `<integer>${random() < 0.1 ? ' ' : ''}${item}</integer>`;
    }
    if (item instanceof Date) return `<date>${item.toISOString().replace('.000Z', 'Z')}</date>`;
    if (Buffer.isBuffer(item)) {
      const lines = item.toString('base64').match(new RegExp(`.{1,${style.wrap}}`, 'g')) ?? [];
      return leaf('data', lines.length > 1 ? `\n${lines.map((line) => inner + line).join('\n')}\n${pad}` : (lines[0] ?? ''));
    }
    if (Array.isArray(item)) {
      if (item.length === 0) return leaf('array', '');
      return `<array>${item.map((child) => between(inner) + write(child, inner)).join('')}${between(pad)}</array>`;
    }
    const entries = Object.entries(item);
    if (entries.length === 0) return leaf('dict', '');
    const body = entries.map(([key, child]) => `${between(inner)}${leaf('key', escape(key))}${between(inner)}${write(child, inner)}`).join('');
    return `<dict>${body}${between(pad)}</dict>`;
  };
  const declaration = ['', '<?xml version="1.0" encoding="UTF-8"?>\n', "<?xml version='1.0'?>", '<?xml version="1.0" standalone="yes" ?>'][Math.floor(random() * 4)];
  const doctype = ['', '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">\n', '<!DOCTYPE plist>'][Math.floor(random() * 3)];
  const comment = style.comments ? '<!-- before -->\n' : '';
  const attributes = ['', ' version="1.0"', " version='1.0'", '\n  version="1.0" x="y"'][Math.floor(random() * 4)];
  const trailer = ['', '\n', '\n<!-- after -->\n', '<?after?>'][Math.floor(random() * 4)];
  return `${declaration}${comment}${doctype}<plist${attributes}>${between('')}${write(value, '')}${between('')}</plist>${trailer}`;
}

const INSERTIONS = [
  '<', '>', '&', ';', '/', '!', '?', '-', '"', "'", '=', ' ', '\t', '\n', '\r', '\0', '\x01', '\x7f', '\x85', '\u2028',
  '\ufeff', '\ufffe', '\ud800', '\udc00', '\u00a0', 'é', '😀', 'a', 'x', '[', ']', '#', '0', '.', 'e', ':', '_',
  '<!--', '-->', '--', '<![CDATA[x]]>', '<?pi ?>', '<?xml version="1.0"?>', '&lt;', '&#65;', '&#x20;', '&nbsp;', '&amp',
  '<key>', '</key>', '<key>k</key>', '<true/>', '<dict>', '</dict>', '<array/>', '<string>', '</string>', '__proto__', '<plist>', '</plist>', ' a="b"',
];

/** (c) A copy of text with one to three random edits: delete, insert, replace, truncate, or duplicate a slice. */
export function mutate(text: string, random: Random): string {
  let out = text;
  for (let edits = 1 + Math.floor(random() * 3); edits > 0; edits--) {
    const at = Math.floor(random() * (out.length + 1));
    const insertion = INSERTIONS[Math.floor(random() * INSERTIONS.length)];
    const kind = random();
    if (kind < 0.3) out = out.slice(0, at) + out.slice(at + 1);
    else if (kind < 0.6) out = out.slice(0, at) + insertion + out.slice(at);
    else if (kind < 0.85) out = out.slice(0, at) + insertion + out.slice(at + 1);
    else if (kind < 0.93) out = out.slice(0, at);
    else out = out.slice(0, at) + out.slice(Math.max(0, at - 20), at) + out.slice(at);
  }
  return out;
}
