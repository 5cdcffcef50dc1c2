import type { PlistDict, PlistValue } from './plist-value';
import { MAX_DEPTH, MAX_ELEMENTS, MAX_TAGS } from './xml-plist.limits';
import { decodeData, decodeDate, decodeInteger, decodeReal } from './xml-plist.scalars';

/**
 * A single-pass scanner for the plain XML plists devices send, tried before
 * the DOM path because xmldom is most of the cost of every device request.
 *
 * It accepts a strict subset of what the DOM path accepts and returns
 * `undefined` for anything else, so the DOM path still decides, and words,
 * every refusal. Inside the subset it must return exactly what the DOM path
 * would; xml-plist.fast.spec.ts checks that differentially. The subset:
 * - an optional `<?xml version="1.0" …?>` declaration, comments, whitespace
 *   and one DOCTYPE without an internal subset before `<plist>`; attributes
 *   only on `<plist>`, and only simple `name="value"` pairs;
 * - tags written exactly `<name>`, `<name/>` and `</name>`, plist names only;
 * - between elements: space, tab, newline, comments and processing
 *   instructions; after the root the same, minus the elements;
 * - in leaf text: the five predefined entities and no markup at all;
 * - no character xmldom rewrites or rejects (CR, NEL, LS, PS: it normalises
 *   line ends first) and no control character but tab and newline.
 * Scalars go through the same decoders as the DOM path; if one throws, so
 * would the DOM path, and the fast path gives up like for everything else.
 */
export function fastParseXmlPlist(text: string): PlistValue | undefined {
  try {
    return new FastScanner(text).document();
  } catch {
    // Bailing out, or a scalar decoder refusing a value: either way the DOM path decides.
    return undefined;
  }
}

const BAIL = new Error('not a plist the fast path is sure about');

function bail(): never {
  throw BAIL;
}

const TAB = 0x09;
const LF = 0x0a;
const SPACE = 0x20;
const AMP = 0x26;
const SLASH = 0x2f;
const LT = 0x3c;
const GT = 0x3e;
const QUESTION = 0x3f;

/** Version 1.0 only: xmldom checks the declaration's grammar, and this is the spelling devices use. */
const XML_DECLARATION =
  /<\?xml[ \t\n]+version=(["'])1\.0\1(?:[ \t\n]+encoding=(["'])[A-Za-z][A-Za-z0-9._-]*\2)?(?:[ \t\n]+standalone=(["'])(?:yes|no)\3)?[ \t\n]*\?>/y;
/** Apple's DOCTYPE and its plainer relatives; never "[" (an internal subset), never a character xmldom's literals refuse. */
const DOCTYPE =
  /<!DOCTYPE[ \t\n]+[A-Za-z_][A-Za-z0-9_.-]*(?:[ \t\n]+(?:PUBLIC[ \t\n]+"[ \na-zA-Z0-9\-'()+,./:=?;!*#@$_%]*"[ \t\n]+|SYSTEM[ \t\n]+)"[a-zA-Z0-9\-'()+,./:=?;!*#@$_%~]*")?[ \t\n]*>/y;
/** A `<plist>` attribute: printable ASCII values without "<" or "&", so nothing for xmldom to decode or refuse. */
const ATTRIBUTE = /([A-Za-z_][A-Za-z0-9_.-]*)=(?:"[\x20\x21\x23-\x25\x27-\x3b\x3d-\x7e]*"|'[\x20-\x25\x28-\x3b\x3d-\x7e]*')/y;
const ENTITIES: readonly (readonly [string, string])[] = [
  ['&lt;', '<'],
  ['&gt;', '>'],
  ['&amp;', '&'],
  ['&quot;', '"'],
  ['&apos;', "'"],
];

class FastScanner {
  private pos = 0;
  /** Every "<" in the body, as the DOM path's countTags counts them: none escapes the scan. */
  private tags = 0;
  private elements = 0;
  /** Whether the tag openTag last read was `<name/>`. */
  private selfClosed = false;

  constructor(private readonly text: string) {}

  document(): PlistValue {
    this.prolog();
    this.plistStartTag();
    this.misc();
    const value = this.value(0);
    this.misc();
    this.closeTag('plist');
    this.epilog();
    return value;
  }

  private prolog(): void {
    if (this.text.startsWith('<?', 0)) this.match(XML_DECLARATION);
    let doctype = false;
    for (;;) {
      this.skipSpace();
      if (this.text.startsWith('<!--', this.pos)) this.comment();
      else if (!doctype && this.text.startsWith('<!DOCTYPE', this.pos)) {
        this.match(DOCTYPE);
        doctype = true;
      } else return;
    }
  }

  private plistStartTag(): void {
    if (!this.text.startsWith('<plist', this.pos)) bail();
    this.countTag();
    this.pos += '<plist'.length;
    const names: string[] = [];
    for (;;) {
      // `<plist/>` holds no value; `<plistx>` is another element.
      if (this.code() === GT) break;
      if (!isSpace(this.code())) bail();
      this.skipSpace();
      if (this.code() === GT) break;
      const name = this.match(ATTRIBUTE)[1];
      // xmlns and xml:* change how xmldom names things; a repeated name is an error there.
      if (/^xml/i.test(name) || names.includes(name)) bail();
      names.push(name);
    }
    this.pos++;
  }

  private value(depth: number): PlistValue {
    if (depth >= MAX_DEPTH) bail();
    this.countElement();
    const tag = this.openTag();
    const empty = this.selfClosed;
    switch (tag) {
      case 'dict':
        return empty ? {} : this.dict(depth);
      case 'array':
        return empty ? [] : this.array(depth);
      case 'string':
        return empty ? '' : this.leafText(tag);
      case 'integer':
        return decodeInteger(empty ? '' : this.leafText(tag));
      case 'real':
        return decodeReal(empty ? '' : this.leafText(tag));
      case 'date':
        return decodeDate(empty ? '' : this.leafText(tag));
      case 'data':
        return decodeData(empty ? '' : this.leafText(tag));
      case 'true':
      case 'false':
        if (!empty && !isSpaceOnly(this.leafText(tag))) bail();
        return tag === 'true';
      default:
        // <key> out of place, <plist> nested, or an unknown element: all errors on the DOM path.
        return bail();
    }
  }

  private dict(depth: number): PlistDict {
    // Built like the DOM walker builds it: same prototype, same key order, last duplicate wins.
    const dict: Record<string, PlistValue> = {};
    for (;;) {
      this.misc();
      if (this.atCloseTag()) break;
      if (this.openTag() !== 'key') bail();
      this.countElement();
      const key = this.selfClosed ? '' : this.leafText('key');
      if (key === '__proto__') bail();
      this.misc();
      dict[key] = this.value(depth + 1);
    }
    this.closeTag('dict');
    return dict;
  }

  private array(depth: number): PlistValue[] {
    const items: PlistValue[] = [];
    for (;;) {
      this.misc();
      if (this.atCloseTag()) break;
      items.push(this.value(depth + 1));
    }
    this.closeTag('array');
    return items;
  }

  /** `<name>` or `<name/>` with a lowercase ASCII name (every plist element's); anything else is left to xmldom. */
  private openTag(): string {
    const { text } = this;
    if (text.charCodeAt(this.pos) !== LT) bail();
    this.countTag();
    const start = this.pos + 1;
    let end = start;
    for (let c = text.charCodeAt(end); c >= 0x61 && c <= 0x7a; c = text.charCodeAt(++end));
    if (end === start) bail();
    const next = text.charCodeAt(end);
    if (next === GT) {
      this.selfClosed = false;
      this.pos = end + 1;
    } else if (next === SLASH && text.charCodeAt(end + 1) === GT) {
      this.selfClosed = true;
      this.pos = end + 2;
    } else {
      bail();
    }
    return text.slice(start, end);
  }

  private atCloseTag(): boolean {
    return this.text.charCodeAt(this.pos) === LT && this.text.charCodeAt(this.pos + 1) === SLASH;
  }

  /** Exactly `</name>`: a mismatch is an error on the DOM path, and `</name >` is rare enough to leave to it. */
  private closeTag(name: string): void {
    const { text } = this;
    const end = this.pos + 2 + name.length;
    if (!this.atCloseTag() || !text.startsWith(name, this.pos + 2) || text.charCodeAt(end) !== GT) bail();
    this.countTag();
    this.pos = end + 1;
  }

  /** Character data up to the closing tag, entities decoded; any markup inside (a comment, CDATA, an element) bails. */
  private leafText(name: string): string {
    const { text } = this;
    const start = this.pos;
    let entities = false;
    let i = start;
    for (;;) {
      const c = text.charCodeAt(i);
      if (c === LT) break;
      if (c === AMP) entities = true;
      else if (!(c >= SPACE && c < 0x7f)) i += otherCharLength(text, i, c) - 1;
      i++;
    }
    this.pos = i;
    this.closeTag(name);
    const raw = text.slice(start, i);
    return entities ? decodeEntities(raw) : raw;
  }

  /** What the DOM path skips between elements: XML whitespace, comments, processing instructions. */
  private misc(): void {
    const { text } = this;
    for (;;) {
      this.skipSpace();
      if (text.charCodeAt(this.pos) !== LT) return;
      const next = text.charCodeAt(this.pos + 1);
      if (next === QUESTION) this.processingInstruction();
      else if (next === 0x21) this.comment();
      else return;
    }
  }

  /** After the root: whitespace, comments and processing instructions up to the very end. */
  private epilog(): void {
    this.misc();
    if (this.pos !== this.text.length) bail();
  }

  /** `<!--…-->` whose text has no "--" (which also rules out `--->`); `<!` followed by anything else bails. */
  private comment(): void {
    const { text } = this;
    if (!text.startsWith('<!--', this.pos)) bail();
    this.countTag();
    const start = this.pos + 4;
    const end = text.indexOf('--', start);
    if (end === -1 || text.charCodeAt(end + 2) !== GT) bail();
    this.checkChars(start, end);
    this.pos = end + 3;
  }

  /** `<?target?>` or `<?target data?>`; never an `xml…` target (only the leading declaration may be one). */
  private processingInstruction(): void {
    const { text } = this;
    this.countTag();
    const start = this.pos + 2;
    let end = start;
    for (let c = text.charCodeAt(end); isNameChar(c) && (end > start || !isDigitDotOrDash(c)); c = text.charCodeAt(++end));
    if (end === start || /^xml/i.test(text.slice(start, end))) bail();
    if (text.charCodeAt(end) === QUESTION && text.charCodeAt(end + 1) === GT) {
      this.pos = end + 2;
      return;
    }
    if (!isSpace(text.charCodeAt(end))) bail();
    const close = text.indexOf('?>', end);
    if (close === -1) bail();
    this.checkChars(end, close);
    this.pos = close + 2;
  }

  /** Comment and processing-instruction text: safe characters only, and its "<"s counted like countTags does. */
  private checkChars(start: number, end: number): void {
    const { text } = this;
    for (let i = start; i < end; i++) {
      const c = text.charCodeAt(i);
      if (c === LT) this.countTag();
      else if (!(c >= SPACE && c < 0x7f)) i += otherCharLength(text, i, c) - 1;
    }
  }

  private match(pattern: RegExp): RegExpExecArray {
    pattern.lastIndex = this.pos;
    const match = pattern.exec(this.text);
    if (!match) bail();
    this.countTag();
    this.pos = pattern.lastIndex;
    return match;
  }

  private skipSpace(): void {
    while (isSpace(this.text.charCodeAt(this.pos))) this.pos++;
  }

  private code(): number {
    return this.text.charCodeAt(this.pos);
  }

  private countTag(): void {
    if (++this.tags > MAX_TAGS) bail();
  }

  private countElement(): void {
    if (++this.elements > MAX_ELEMENTS) bail();
  }
}

/**
 * Length of the character at i outside printable ASCII, or a bail-out: tab
 * and newline, and from U+00A0 on what xmldom keeps as it is; never a control
 * character, CR/NEL/LS/PS (xmldom rewrites them to LF), U+FFFE/U+FFFF or a
 * lone surrogate. NaN (the end of the text) bails too.
 */
function otherCharLength(text: string, i: number, c: number): number {
  if (c === TAB || c === LF) return 1;
  if (c >= 0xa0 && c < 0xd800) return c === 0x2028 || c === 0x2029 ? bail() : 1;
  if (c >= 0xe000 && c <= 0xfffd) return 1;
  if (c >= 0xd800 && c <= 0xdbff) {
    const low = text.charCodeAt(i + 1);
    if (low >= 0xdc00 && low <= 0xdfff) return 2;
  }
  return bail();
}

function decodeEntities(raw: string): string {
  let out = '';
  let from = 0;
  for (let amp = raw.indexOf('&'); amp !== -1; amp = raw.indexOf('&', from)) {
    // Numeric references have quirks of their own in xmldom; they are left to it.
    const entity = ENTITIES.find(([reference]) => raw.startsWith(reference, amp)) ?? bail();
    out += raw.slice(from, amp) + entity[1];
    from = amp + entity[0].length;
  }
  return out + raw.slice(from);
}

function isSpace(c: number): boolean {
  return c === SPACE || c === TAB || c === LF;
}

function isSpaceOnly(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (!isSpace(text.charCodeAt(i))) return false;
  return true;
}

/** ASCII name characters only: [A-Za-z0-9_.-]. */
function isNameChar(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) || c === 0x5f || c === 0x2e || c === 0x2d;
}

function isDigitDotOrDash(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || c === 0x2e || c === 0x2d;
}
