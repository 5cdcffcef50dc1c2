import { badRequest } from '../protocol.error';
import { parseBinaryPlist } from './binary-plist.parser';
import { BINARY_PLIST_MAGIC } from './binary-plist.trailer';
import { parseXmlPlist } from './xml-plist.parser';
import { isPlistDict, plistTypeName, type PlistDict, type PlistValue } from './plist-value';

/**
 * Decodes a request body that is either an XML plist or a binary one; like
 * NanoMDM's plist library, the `bplist` magic decides (§3.3). Any failure —
 * malformed, truncated, cyclic, oversized, too deep — is a ProtocolError 400:
 * a hostile body costs one bounded parse and a clean rejection.
 */
export function parsePlist(body: Buffer): PlistValue {
  const isBinary = body.subarray(0, 6).toString('latin1') === 'bplist';
  try {
    if (!isBinary) return parseXmlPlist(body);
    const magic = body.subarray(0, 8).toString('latin1');
    if (magic !== BINARY_PLIST_MAGIC) throw new Error(`unsupported binary plist version "${magic}"`);
    return parseBinaryPlist(body);
  } catch (err) {
    throw badRequest(`parsing plist: ${describe(err)}`);
  }
}

/** A message body: the top level must be a dict. `context` prefixes errors, e.g. "decoding check-in". */
export function parsePlistDict(body: Buffer, context: string): PlistDict {
  let value: PlistValue;
  try {
    value = parsePlist(body);
  } catch (err) {
    throw badRequest(`${context}: ${describe(err)}`);
  }
  if (!isPlistDict(value)) throw badRequest(`${context}: top level must be a dict, got ${plistTypeName(value)}`);
  return value;
}

function describe(err: unknown): string {
  if (err instanceof RangeError && /call stack/i.test(err.message)) return 'nesting too deep';
  return err instanceof Error ? err.message.trim() : String(err);
}
