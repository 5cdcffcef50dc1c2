import { simpleQuery } from './wire-messages';

/**
 * PGlite's single-user backend has no socket to read COPY data from: a
 * `COPY ... FROM STDIN` makes the WebAssembly postgres call exit(1), which kills
 * the shared session for every client. Units that would start one are swapped
 * for a statement that raises a clean error inside the session, so the
 * transaction state and the client's error handling stay exactly as if
 * PostgreSQL itself had refused.
 */
const COPY_FROM_STDIN = /\bcopy\b[^;]*\bfrom\s+stdin\b/i;

const REFUSAL = simpleQuery(
  "DO $$ BEGIN RAISE EXCEPTION USING ERRCODE = '0A000', " +
    "MESSAGE = 'COPY FROM STDIN is not supported by the embedded PostgreSQL server'; END $$",
);

/** SQL text of a simple Query ('Q') or Parse ('P') message, if it is one. */
function sqlOf(message: Buffer): string | undefined {
  const type = String.fromCharCode(message[0]);
  const body = message.subarray(5);
  if (type === 'Q') return body.toString('utf8', 0, Math.max(0, body.indexOf(0)));
  if (type === 'P') {
    const nameEnd = body.indexOf(0);
    const queryEnd = body.indexOf(0, nameEnd + 1);
    return body.toString('utf8', nameEnd + 1, queryEnd);
  }
  return undefined;
}

/** Returns the unit to run: the original messages, or the refusal if any starts COPY FROM STDIN. */
export function guardCopyFromStdin(messages: Buffer[]): Buffer {
  const refused = messages.some((m) => {
    const sql = sqlOf(m);
    return sql !== undefined && COPY_FROM_STDIN.test(sql);
  });
  return refused ? REFUSAL : Buffer.concat(messages);
}
