import { badRequest } from '../protocol.error';
import { parsePlistDict } from '../plist/parse-plist';
import { isPlistDict, type PlistDict } from '../plist/plist-value';
import { field } from '../plist/plist-fields';
import { readEnrollmentIds, type EnrollmentIds } from '../checkin/enrollment-ids';

const CONTEXT = 'decoding command report';

export interface ErrorChainItem {
  readonly errorCode: number;
  readonly errorDomain: string;
  readonly localizedDescription?: string;
  readonly usEnglishDescription?: string;
}

/**
 * A device's report on a command, or `Idle` when it has none (§3.4; Apple:
 * https://developer.apple.com/documentation/devicemanagement/commands-and-queries).
 * Everything else in the body (QueryResponses…) stays in the raw bytes.
 */
export interface CommandReport {
  readonly ids: EnrollmentIds;
  /** '' for Idle, which carries no CommandUUID. */
  readonly commandUuid: string;
  readonly status: string;
  readonly errorChain?: readonly ErrorChainItem[];
}

/** Missing or empty `Status` is the one extra rule NanoMDM enforces (400). */
export function decodeCommandReport(body: Buffer): CommandReport {
  const dict = parsePlistDict(body, CONTEXT);
  const ids = readEnrollmentIds(dict, CONTEXT);
  const commandUuid = field(dict, 'CommandUUID', 'string', CONTEXT) ?? '';
  const status = field(dict, 'Status', 'string', CONTEXT) ?? '';
  if (status === '') throw badRequest(`${CONTEXT}: empty Status`);
  const chain = field(dict, 'ErrorChain', 'array', CONTEXT);
  const report = { ids, commandUuid, status };
  return chain === undefined ? report : { ...report, errorChain: chain.map((item, i) => errorChainItem(item, `${CONTEXT}: ErrorChain[${i}]`)) };
}

function errorChainItem(item: unknown, context: string): ErrorChainItem {
  if (!isPlistDict(item)) throw badRequest(`${context} must be a dict`);
  const optional = (key: string) => field(item as PlistDict, key, 'string', context);
  const localizedDescription = optional('LocalizedDescription');
  const usEnglishDescription = optional('USEnglishDescription');
  return {
    errorCode: field(item, 'ErrorCode', 'integer', context) ?? 0,
    errorDomain: field(item, 'ErrorDomain', 'string', context) ?? '',
    ...(localizedDescription !== undefined && { localizedDescription }),
    ...(usEnglishDescription !== undefined && { usEnglishDescription }),
  };
}
