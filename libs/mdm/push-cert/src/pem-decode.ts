/**
 * A port of Go's `encoding/pem` Decode and EncodeToMemory, so an upload is split into blocks
 * exactly as NanoMDM splits it. Go's decoder is more forgiving than "PEM only": it skips any text
 * before a `-----BEGIN ` line, and a malformed block (no matching END, bad base64) is passed over
 * while the search goes on. Work is done on a latin1 string, which maps bytes one to one.
 */
export interface PemBlock {
  readonly type: string;
  readonly headers: ReadonlyMap<string, string>;
  readonly bytes: Buffer;
}

const PEM_START = '\n-----BEGIN ';
const PEM_END = '\n-----END ';
const PEM_END_OF_LINE = '-----';
// Go's StdEncoding (not Strict): padding required, CR/LF ignored, trailing bits not checked.
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** The next block in `data` and the text after it, or undefined when no block remains. */
export function decodePem(data: string): { block: PemBlock; rest: string } | undefined {
  let rest = data;
  for (;;) {
    if (rest.startsWith(PEM_START.slice(1))) rest = rest.slice(PEM_START.length - 1);
    else {
      const at = rest.indexOf(PEM_START);
      if (at < 0) return undefined;
      rest = rest.slice(at + PEM_START.length);
    }
    let typeLine: string;
    [typeLine, rest] = getLine(rest);
    if (!typeLine.endsWith(PEM_END_OF_LINE)) continue;
    const type = typeLine.slice(0, -PEM_END_OF_LINE.length);

    const headers = new Map<string, string>();
    for (;;) {
      if (rest.length === 0) return undefined;
      const [line, next] = getLine(rest);
      const colon = line.indexOf(':');
      if (colon < 0) break;
      headers.set(trimSpace(line.slice(0, colon)), trimSpace(line.slice(colon + 1)));
      rest = next;
    }

    const found = blockBody(rest, type, headers.size === 0);
    if (!found) continue;
    return { block: { type, headers, bytes: Buffer.from(found.base64, 'base64') }, rest: found.rest };
  }
}

/** The base64 body and the text after the END line, or undefined when Go would skip the block. */
function blockBody(rest: string, type: string, noHeaders: boolean): { base64: string; rest: string } | undefined {
  // Without headers the END line may follow the BEGIN line directly (an empty block).
  const atOnce = noHeaders && rest.startsWith(PEM_END.slice(1));
  const endIndex = atOnce ? 0 : rest.indexOf(PEM_END);
  if (endIndex < 0) return undefined;
  const trailerStart = atOnce ? PEM_END.length - 1 : endIndex + PEM_END.length;
  const trailer = rest.slice(trailerStart, trailerStart + type.length + PEM_END_OF_LINE.length);
  if (trailer !== type + PEM_END_OF_LINE) return undefined;
  if (getLine(rest.slice(trailerStart + trailer.length))[0].length !== 0) return undefined;
  const base64 = rest.slice(0, endIndex).replace(/[ \t\r\n]/g, '');
  if (!BASE64.test(base64)) return undefined;
  return { base64, rest: getLine(rest.slice(endIndex + PEM_END.length - 1))[1] };
}

/** Go's getLine: one line without its LF (and one CR before it), trailing blanks trimmed. */
function getLine(data: string): [string, string] {
  const lf = data.indexOf('\n');
  if (lf < 0) return [trimRightBlanks(data), ''];
  const end = lf > 0 && data[lf - 1] === '\r' ? lf - 1 : lf;
  return [trimRightBlanks(data.slice(0, end)), data.slice(lf + 1)];
}

// ASCII white space only: on latin1 text, String#trim would also eat a lone 0xA0 byte, which Go keeps.
function trimSpace(text: string): string {
  return text.replace(/^[ \t\n\v\f\r]+|[ \t\n\v\f\r]+$/g, '');
}

function trimRightBlanks(text: string): string {
  return text.replace(/[ \t]+$/, '');
}

/** Go's pem.EncodeToMemory: Proc-Type first, other headers sorted, 64-character base64 lines. */
export function encodePem(block: PemBlock): string {
  let text = `-----BEGIN ${block.type}-----\n`;
  if (block.headers.size > 0) {
    const procType = block.headers.get('Proc-Type');
    if (procType !== undefined) text += `Proc-Type: ${procType}\n`;
    const keys = [...block.headers.keys()].filter((key) => key !== 'Proc-Type').sort();
    for (const key of keys) text += `${key}: ${block.headers.get(key)}\n`;
    text += '\n';
  }
  for (const line of block.bytes.toString('base64').match(/.{1,64}/g) ?? []) text += `${line}\n`;
  text += `-----END ${block.type}-----\n`;
  return Buffer.from(text, 'latin1').toString('utf8');
}
