import { frontendMessage, SYNC } from './wire-messages';

/**
 * Gives each client connection its own namespace of prepared statements and
 * portals on the one shared backend session: names in Parse, Bind, Describe
 * and Close are prefixed with the connection's ID. Without it two `pg`
 * connections preparing the same statement name (as every connection of a
 * pool does for a named query) would collide ("prepared statement already
 * exists"), and one could execute another's. The unnamed statement and
 * portal stay unnamed: a unit runs atomically, so they cannot be interleaved.
 */
export class StatementNames {
  private readonly prepared = new Set<string>();

  constructor(private readonly prefix: string) {}

  /** The message with its names moved into this connection's namespace (the same bytes when it names nothing). */
  rewrite(type: string, bytes: Buffer): Buffer {
    switch (type) {
      case 'P': {
        const [name, end] = cString(bytes, 5);
        if (name === '') return bytes;
        this.prepared.add(name);
        return frontendMessage('P', Buffer.concat([this.own(name), bytes.subarray(end)]));
      }
      case 'B': {
        const [portal, afterPortal] = cString(bytes, 5);
        const [statement, afterStatement] = cString(bytes, afterPortal);
        if (portal === '' && statement === '') return bytes;
        return frontendMessage('B', Buffer.concat([this.maybeOwn(portal), this.maybeOwn(statement), bytes.subarray(afterStatement)]));
      }
      case 'D':
      case 'C': {
        const kind = bytes[5];
        const [name, end] = cString(bytes, 6);
        if (name === '') return bytes;
        if (type === 'C' && kind === 0x53 /* 'S' */) this.prepared.delete(name);
        return frontendMessage(type, Buffer.concat([Buffer.from([kind]), this.own(name), bytes.subarray(end)]));
      }
      default:
        return bytes;
    }
  }

  /** Close messages (and a Sync) for every statement this connection prepared and did not close; null when none. */
  closeAll(): Buffer | null {
    if (this.prepared.size === 0) return null;
    const closes = [...this.prepared].map((name) => frontendMessage('C', Buffer.concat([Buffer.from('S'), this.own(name)])));
    this.prepared.clear();
    return Buffer.concat([...closes, SYNC]);
  }

  private own(name: string): Buffer {
    return Buffer.from(`${this.prefix}${name}\0`, 'utf8');
  }

  private maybeOwn(name: string): Buffer {
    return name === '' ? Buffer.from([0]) : this.own(name);
  }
}

/** The NUL-terminated string at `offset`, and the offset just past its NUL. */
function cString(bytes: Buffer, offset: number): [string, number] {
  const nul = bytes.indexOf(0, offset);
  if (nul < 0) throw new Error('malformed message: unterminated string');
  return [bytes.toString('utf8', offset, nul), nul + 1];
}
