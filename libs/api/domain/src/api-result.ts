/** One enrollment's line in NanoMDM's APIResult.status (§3.7); empty fields are omitted. */
export interface IdResult {
  push_error?: string;
  push_result?: string;
  command_error?: string;
}

/** NanoMDM's APIResult, fields in Go's struct order (the JSON key order). */
export interface ApiResult {
  status?: Record<string, IdResult>;
  no_push?: true;
  push_error?: string;
  command_error?: string;
  command_uuid?: string;
  request_type?: string;
}

/** Builds the JSON object in NanoMDM's key order, `status` keys sorted as Go sorts map keys. */
export function orderedResult(result: ApiResult): ApiResult {
  const ordered: ApiResult = {};
  if (result.status && Object.keys(result.status).length > 0) {
    ordered.status = Object.fromEntries(
      Object.keys(result.status)
        .sort(byBytes)
        .map((id) => [id, orderedIdResult((result.status as Record<string, IdResult>)[id])]),
    );
  }
  if (result.no_push) ordered.no_push = true;
  if (result.push_error) ordered.push_error = result.push_error;
  if (result.command_error) ordered.command_error = result.command_error;
  if (result.command_uuid) ordered.command_uuid = result.command_uuid;
  if (result.request_type) ordered.request_type = result.request_type;
  return ordered;
}

function orderedIdResult(r: IdResult): IdResult {
  const ordered: IdResult = {};
  if (r.push_error) ordered.push_error = r.push_error;
  if (r.push_result) ordered.push_result = r.push_result;
  if (r.command_error) ordered.command_error = r.command_error;
  return ordered;
}

/** Go sorts map keys by bytes; for UTF-16 strings of BMP characters this is the same order. */
const byBytes = (a: string, b: string) => (Buffer.compare(Buffer.from(a), Buffer.from(b)));

/**
 * NanoMDM's status rule (§3.7): 500 on a top-level error; otherwise by how
 * many requested IDs have an error: none 200, all 500, some 207 (more errors
 * than IDs, impossible here, is 500 too).
 */
export function apiStatusCode(result: ApiResult, requestedIds: number): 200 | 207 | 500 {
  if (result.push_error || result.command_error) return 500;
  const failed = Object.values(result.status ?? {}).filter((r) => r.push_error || r.command_error).length;
  if (failed === 0) return 200;
  return failed >= requestedIds ? 500 : 207;
}
