/**
 * The enrollment IDs of `/v1/push/<ids>` and `/v1/enqueue/<ids>` (§3.7): the
 * path after the prefix, percent-decoded, split on `,` — so `%2C` splits too,
 * empty segments are empty IDs and a `/` inside an ID is kept. An empty path
 * is NanoMDM's "getting enrollment ids: empty path".
 */
export function enrollmentIdsFromPath(rawPathAfterPrefix: string): string[] | { error: string } {
  let path: string;
  try {
    path = decodeURIComponent(rawPathAfterPrefix);
  } catch {
    return { error: 'getting enrollment ids: invalid URL escape' };
  }
  if (path === '') return { error: 'getting enrollment ids: empty path' };
  return path.split(',');
}
