import { goFormEncode } from './go-form';

/** What NanoMDM sends to Apple for /v1/escrowkeyunlock (§3.9). */
export interface EscrowRequest {
  readonly topic: string;
  /** `serial`, `productType` and the optional `imei`, `imei2`, `meid`, encoded as Go does. */
  readonly query: string;
  /** `escrowKey`, `guid`, `orgName`, encoded as Go does. */
  readonly body: string;
}

const REQUIRED = ['serial', 'productType', 'orgName', 'guid', 'escrowKey'] as const;
const OPTIONAL = ['imei', 'imei2', 'meid'] as const;

/**
 * Validates the posted form in NanoMDM's order: any of serial, productType,
 * orgName, guid, escrowKey missing → "invalid or missing parameters"; then a
 * missing topic → "empty topic". Both are 400.
 */
export function escrowRequestFrom(form: URLSearchParams): EscrowRequest | { error: string } {
  const get = (key: string) => form.get(key) ?? '';
  if (REQUIRED.some((key) => get(key) === '')) return { error: 'invalid or missing parameters' };
  if (get('topic') === '') return { error: 'empty topic' };
  const query: Record<string, string> = { serial: get('serial'), productType: get('productType') };
  for (const key of OPTIONAL) if (get(key) !== '') query[key] = get(key);
  return {
    topic: get('topic'),
    query: goFormEncode(query),
    body: goFormEncode({ escrowKey: get('escrowKey'), guid: get('guid'), orgName: get('orgName') }),
  };
}
