/**
 * Framing of the PostgreSQL v3 frontend protocol, just enough for the embedded
 * server to cut a byte stream into messages and decide where a unit of work ends.
 * Nothing here interprets message bodies beyond what scheduling needs.
 */

/** Request codes carried in the 8-byte "startup-shaped" packets that have no type byte. */
export const PROTOCOL_V3 = 196608;
export const SSL_REQUEST = 80877103;
export const GSSENC_REQUEST = 80877104;
export const CANCEL_REQUEST = 80877102;

export type StartupFrame =
  | { kind: 'startup'; bytes: Buffer }
  | { kind: 'ssl' | 'gssenc' | 'cancel'; bytes: Buffer }
  | { kind: 'unsupported'; code: number };

export interface TypedFrame {
  type: string;
  bytes: Buffer;
}

/** Length-prefixed packets bigger than this are treated as a broken client, not buffered forever. */
const MAX_FRAME = 1 << 30;

/**
 * Cuts the first complete pre-startup packet off `buf`. Returns undefined when
 * more bytes are needed; throws on a length no real client sends.
 */
export function readStartupFrame(buf: Buffer): { frame: StartupFrame; rest: Buffer } | undefined {
  if (buf.length < 8) return undefined;
  const length = buf.readInt32BE(0);
  if (length < 8 || length > MAX_FRAME) throw new Error(`invalid startup packet length ${length}`);
  if (buf.length < length) return undefined;
  const code = buf.readInt32BE(4);
  const bytes = buf.subarray(0, length);
  const rest = buf.subarray(length);
  if (code === PROTOCOL_V3) return { frame: { kind: 'startup', bytes }, rest };
  if (code === SSL_REQUEST) return { frame: { kind: 'ssl', bytes }, rest };
  if (code === GSSENC_REQUEST) return { frame: { kind: 'gssenc', bytes }, rest };
  if (code === CANCEL_REQUEST) return { frame: { kind: 'cancel', bytes }, rest };
  return { frame: { kind: 'unsupported', code }, rest };
}

/** Cuts the first complete typed message (type byte + int32 length) off `buf`. */
export function readTypedFrame(buf: Buffer): { frame: TypedFrame; rest: Buffer } | undefined {
  if (buf.length < 5) return undefined;
  const length = buf.readInt32BE(1);
  if (length < 4 || length > MAX_FRAME) throw new Error(`invalid message length ${length}`);
  if (buf.length < 1 + length) return undefined;
  return {
    frame: { type: String.fromCharCode(buf[0]), bytes: buf.subarray(0, 1 + length) },
    rest: buf.subarray(1 + length),
  };
}

/**
 * Messages after which the client waits for an answer, so the accumulated unit
 * must run now: Sync and simple Query end a cycle with ReadyForQuery; Flush asks
 * for output mid-cycle; CopyDone/CopyFail end a COPY FROM STDIN stream.
 */
const UNIT_ENDERS = new Set(['S', 'Q', 'H', 'c', 'f']);

export function endsUnit(type: string): boolean {
  return UNIT_ENDERS.has(type);
}

/**
 * Transaction status of the last ReadyForQuery ('Z') in a backend response:
 * 'I' idle, 'T' in a transaction, 'E' in a failed transaction. Undefined when the
 * response has none, i.e. the backend is mid-cycle (after a Flush or inside COPY).
 */
export function lastReadyStatus(response: Uint8Array): 'I' | 'T' | 'E' | undefined {
  const view = Buffer.from(response.buffer, response.byteOffset, response.byteLength);
  let status: 'I' | 'T' | 'E' | undefined;
  let offset = 0;
  while (offset + 5 <= view.length) {
    const length = view.readInt32BE(offset + 1);
    if (view[offset] === 0x5a && length === 5 && offset + 6 <= view.length) {
      status = String.fromCharCode(view[offset + 5]) as 'I' | 'T' | 'E';
    }
    offset += 1 + length;
  }
  return status;
}

/** Builds a frontend message: type byte, int32 length, body. */
export function frontendMessage(type: string, body: Buffer): Buffer {
  const out = Buffer.alloc(5 + body.length);
  out.write(type, 0, 'latin1');
  out.writeInt32BE(4 + body.length, 1);
  body.copy(out, 5);
  return out;
}

export function simpleQuery(sql: string): Buffer {
  return frontendMessage('Q', Buffer.from(`${sql}\0`, 'utf8'));
}

export const SYNC = frontendMessage('S', Buffer.alloc(0));
