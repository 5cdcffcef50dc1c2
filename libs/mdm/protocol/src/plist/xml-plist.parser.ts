import { DOMParser, type Document, type Element, type Node } from '@xmldom/xmldom';
import { badRequest, ProtocolError } from '../protocol.error';
import type { PlistDict, PlistValue } from './plist-value';
import { fastParseXmlPlist } from './xml-plist.fast';
import { MAX_DEPTH, MAX_ELEMENTS, MAX_TAGS } from './xml-plist.limits';
import { decodeData, decodeDate, decodeInteger, decodeReal, isXmlSpace, preview } from './xml-plist.scalars';

/** xmldom messages can quote the body; keep what reaches an error message short. */
const MAX_MESSAGE_CHARS = 200;

const ELEMENT_NODE = 1;
const TEXT_NODE = 3;
const CDATA_SECTION_NODE = 4;
const PROCESSING_INSTRUCTION_NODE = 7;
const COMMENT_NODE = 8;

/**
 * Decodes an XML plist with @xmldom/xmldom directly and walks the DOM
 * ourselves, with Go's micromdm/plist as the reference for strictness:
 * - a `<plist>` root holding exactly one value; unknown elements, stray
 *   text and malformed XML are refused (xmldom's errors are collected,
 *   never logged: a hostile client must not be able to flood the logs);
 * - `<dict>` is strictly `<key>`/value pairs, a `__proto__` key is refused;
 * - `<integer>` is decimal or `0x` hex within ±(2^53 − 1), `<real>` decimal,
 *   `<date>` RFC 3339, `<data>` strict padded base64 (line breaks allowed);
 * - a DOCTYPE with an internal subset (entity declarations) is refused;
 * - nesting is bounded at 128 and the element count at 2^20, so the
 *   recursive walk cannot exhaust the stack.
 *
 * Plain bodies (nearly all of them) first go through a hand-written scanner,
 * xml-plist.fast.ts: it answers only when sure the DOM walk would return the
 * same value and otherwise returns nothing, so the DOM path still decides
 * every unusual body and words every error.
 *
 * Every failure is a ProtocolError 400 "decoding plist: …".
 */
export function parseXmlPlist(body: Buffer): PlistValue {
  return decoding(() => {
    const source = body.toString('utf8');
    // A leading byte-order mark is legal XML; xmldom would call it content outside the root.
    const text = source.charCodeAt(0) === 0xfeff ? source.slice(1) : source;
    const fast = fastParseXmlPlist(text);
    return fast !== undefined ? fast : new PlistWalker().root(parseDocument(text));
  });
}

/**
 * The DOM path alone, on text whose byte-order mark is already stripped.
 * Exported for the fast path's differential spec; the package index does not re-export it.
 */
export function parseXmlPlistWithDom(text: string): PlistValue {
  return decoding(() => new PlistWalker().root(parseDocument(text)));
}

/** Runs a parse, turning whatever it throws into the 400 "decoding plist: …". */
function decoding(parse: () => PlistValue): PlistValue {
  try {
    return parse();
  } catch (err) {
    if (err instanceof ProtocolError) throw err;
    throw decodingError(err instanceof Error ? err.message : String(err));
  }
}

function decodingError(message: string): ProtocolError {
  const trimmed = message.trim();
  return badRequest(`decoding plist: ${trimmed.length > MAX_MESSAGE_CHARS ? `${trimmed.slice(0, MAX_MESSAGE_CHARS)}…` : trimmed}`);
}

function parseDocument(text: string): Document {
  // Elements are bounded again during the walk; this bounds the DOM xmldom builds in the first place.
  if (countTags(text) > MAX_TAGS) throw new Error(`more than ${MAX_ELEMENTS} elements`);
  let firstError: string | undefined;
  const parser = new DOMParser({
    onError: (level, message) => {
      // Warnings are attribute sloppiness, which a plist ignores anyway.
      if (level !== 'warning') firstError ??= message;
    },
  });
  let document: Document;
  try {
    document = parser.parseFromString(text, 'text/xml');
  } catch (err) {
    // A fatalError: onError already saw the message without xmldom's position suffix.
    throw new Error(lowerFirst(firstError ?? (err instanceof Error ? err.message : String(err))));
  }
  // Checked before the collected errors: a body using a declared entity also reports "entity not found".
  if (document.doctype?.internalSubset?.trim()) throw new Error('DOCTYPE internal subsets (entity declarations) are not allowed');
  if (firstError !== undefined) throw new Error(lowerFirst(firstError));
  return document;
}

/** xmldom capitalises its messages; ours continue "decoding plist: …" in lowercase. */
function lowerFirst(message: string): string {
  return message.charAt(0).toLowerCase() + message.slice(1);
}

/** Upper bound on tags, counted before xmldom builds a DOM for them: every element costs at least one "<". */
function countTags(text: string): number {
  let count = 0;
  for (let i = text.indexOf('<'); i !== -1; i = text.indexOf('<', i + 1)) count++;
  return count;
}

class PlistWalker {
  private elements = 0;

  root(document: Document): PlistValue {
    const root = document.documentElement;
    if (!root) throw new Error('missing root element');
    if (root.tagName !== 'plist') throw new Error(`root element must be <plist>, got <${nameOf(root.tagName)}>`);
    const values = this.children(root);
    if (values.length !== 1) throw new Error(`<plist> must hold exactly one value, got ${values.length}`);
    return this.value(values[0], 0);
  }

  private value(element: Element, depth: number): PlistValue {
    if (depth >= MAX_DEPTH) throw new Error(`nesting deeper than ${MAX_DEPTH}`);
    this.count();
    const tag = element.tagName;
    switch (tag) {
      case 'dict':
        return this.dict(element, depth);
      case 'array':
        return this.children(element).map((item) => this.value(item, depth + 1));
      case 'string':
        return textOf(element);
      case 'integer':
        return decodeInteger(textOf(element));
      case 'real':
        return decodeReal(textOf(element));
      case 'true':
      case 'false':
        if (!isXmlSpace(textOf(element))) throw new Error(`<${tag}> must be empty`);
        return tag === 'true';
      case 'date':
        return decodeDate(textOf(element));
      case 'data':
        return decodeData(textOf(element));
      case 'key':
        throw new Error('<key> outside a dict key position');
      default:
        // The parenthesis keeps the message the `plist` package used (callers' specs match on it).
        throw new Error(`unknown element <${nameOf(tag)}> (Invalid PLIST tag ${nameOf(tag)})`);
    }
  }

  private dict(element: Element, depth: number): PlistDict {
    const items = this.children(element);
    const dict: Record<string, PlistValue> = {};
    for (let i = 0; i < items.length; i += 2) {
      const keyElement = items[i];
      if (keyElement.tagName !== 'key') throw new Error(`dict: expected <key>, got <${nameOf(keyElement.tagName)}>`);
      this.count();
      const key = textOf(keyElement);
      if (i + 1 >= items.length) throw new Error(`dict: key ${preview(key)} has no value (odd number of children)`);
      // An own property named __proto__ is harmless, but refusing it is what this parser has always done.
      if (key === '__proto__') throw new Error('dict: refusing a "__proto__" key');
      dict[key] = this.value(items[i + 1], depth + 1);
    }
    return dict;
  }

  /** Element children of a container; whitespace, comments and processing instructions between them are ignored. */
  private children(element: Element): Element[] {
    const elements: Element[] = [];
    for (const node of Array.from(element.childNodes)) {
      switch (node.nodeType) {
        case ELEMENT_NODE:
          elements.push(node as Element);
          break;
        case TEXT_NODE:
        case CDATA_SECTION_NODE:
          if (!isXmlSpace(dataOf(node))) throw new Error(`unexpected text ${preview(dataOf(node).trim())} in <${element.tagName}>`);
          break;
        case COMMENT_NODE:
        case PROCESSING_INSTRUCTION_NODE:
          break;
        default:
          throw new Error(`unexpected node type ${node.nodeType} in <${element.tagName}>`);
      }
    }
    return elements;
  }

  private count(): void {
    if (++this.elements > MAX_ELEMENTS) throw new Error(`more than ${MAX_ELEMENTS} elements`);
  }
}

/** Character data of a leaf element (text and CDATA, entities decoded by xmldom); a child element is an error. */
function textOf(element: Element): string {
  let text = '';
  for (const node of Array.from(element.childNodes)) {
    if (node.nodeType === TEXT_NODE || node.nodeType === CDATA_SECTION_NODE) text += dataOf(node);
    else if (node.nodeType === ELEMENT_NODE) throw new Error(`unexpected element <${nameOf((node as Element).tagName)}> in <${element.tagName}>`);
  }
  return text;
}

/** An element name for an error message (names are XML names, so only length needs bounding). */
function nameOf(tag: string): string {
  return tag.length > 40 ? `${tag.slice(0, 40)}…` : tag;
}

function dataOf(node: Node): string {
  return (node as Node & { data: string }).data;
}
