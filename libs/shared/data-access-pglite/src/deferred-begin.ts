import { lastReadyStatus, simpleQuery } from './wire-messages';

const BEGIN = simpleQuery('BEGIN');
const PLAIN_BEGIN = /^\s*(begin|start\s+transaction)(\s+transaction|\s+work)?\s*;?\s*$/i;

/** What PostgreSQL answers a plain BEGIN with: CommandComplete "BEGIN", ReadyForQuery in a transaction. */
const BEGIN_ANSWER = Buffer.concat([backendMessage('C', Buffer.from('BEGIN\0')), backendMessage('Z', Buffer.from('T'))]);

/**
 * A plain BEGIN from an idle connection is answered at once and run with the
 * connection's next unit instead. The session is given to one connection for
 * a whole transaction, and each round trip inside it leaves the session idle
 * while everyone else waits; starting the transaction together with its first
 * statement saves one of those round trips per transaction. Nothing can tell
 * the difference: an empty BEGIN takes no snapshot and no lock.
 */
export class DeferredBegin {
  private pending = false;
  private inTransaction = false;

  /** The answer to send at once if `unit` is a BEGIN to defer, else null (run it). */
  defer(unit: Buffer): Buffer | null {
    if (this.pending || this.inTransaction || !isPlainBegin(unit)) return null;
    this.pending = true;
    return BEGIN_ANSWER;
  }

  /** The unit to run: prefixed with the deferred BEGIN if one is pending. */
  prepare(unit: Buffer): { unit: Buffer; strip: boolean } {
    if (!this.pending) return { unit, strip: false };
    this.pending = false;
    return { unit: Buffer.concat([BEGIN, unit]), strip: true };
  }

  /** The response the client should see, and the connection's transaction state after it. */
  answer(response: Uint8Array, strip: boolean): Uint8Array {
    const status = lastReadyStatus(response);
    if (status !== undefined) this.inTransaction = status !== 'I';
    return strip ? afterFirstReady(response) : response;
  }
}

function isPlainBegin(unit: Buffer): boolean {
  if (unit[0] !== 0x51 /* 'Q' */ || unit.readInt32BE(1) + 1 !== unit.length) return false;
  return PLAIN_BEGIN.test(unit.toString('utf8', 5, unit.length - 1));
}

/** The response without the deferred BEGIN's own answer (everything up to its ReadyForQuery). */
function afterFirstReady(response: Uint8Array): Uint8Array {
  const view = Buffer.from(response.buffer, response.byteOffset, response.byteLength);
  let offset = 0;
  while (offset + 5 <= view.length) {
    const next = offset + 1 + view.readInt32BE(offset + 1);
    if (view[offset] === 0x5a /* 'Z' */) return view.subarray(next);
    offset = next;
  }
  return view;
}

function backendMessage(type: string, body: Buffer): Buffer {
  const header = Buffer.alloc(5);
  header.write(type, 0, 'latin1');
  header.writeInt32BE(4 + body.length, 1);
  return Buffer.concat([header, body]);
}
