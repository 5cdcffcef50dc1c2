import { eventDefinitions } from '@espalier/contracts/events';
import type { HistoryQuery, HistoryReader } from '@espalier/api/data-access-api';
import { errorText } from './api-reply';
import type { ApiDeps, ApiOptions, ApiReply } from './api.deps';

const MAX_PAGE = 1_000;
const DEFAULT_PAGE = 100;
const EVENT_TYPES: ReadonlySet<string> = new Set(eventDefinitions.map((d) => d.type));

const cursorOf = (at: string, id: string) => Buffer.from(`${at}|${id}`, 'utf8').toString('base64url');

/** Parses the history query; a bad value is an error naming its parameter. */
function historyQueryFrom(query: URLSearchParams): HistoryQuery | string {
  const limitText = query.get('limit');
  const limit = limitText === null ? DEFAULT_PAGE : Number(limitText);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE) return `limit: must be an integer from 1 to ${MAX_PAGE}`;
  const order = query.get('order') ?? 'asc';
  if (order !== 'asc' && order !== 'desc') return 'order: must be asc or desc';
  const typeText = query.get('type');
  const types = typeText === null ? null : typeText.split(',');
  const unknown = types?.find((t) => !EVENT_TYPES.has(t));
  if (unknown !== undefined) return `type: ${JSON.stringify(unknown)} is not an event type (comma-separate several)`;
  const sinceText = query.get('since');
  const since = sinceText === null ? null : new Date(sinceText);
  if (since !== null && Number.isNaN(since.getTime())) return 'since: must be an RFC 3339 time, e.g. 2026-01-31T00:00:00Z';
  const cursor = query.get('cursor');
  let after: HistoryQuery['after'] = null;
  if (cursor !== null) {
    const [occurredAt = '', eventId = '', ...extra] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
    const valid = extra.length === 0 && eventId !== '' && !Number.isNaN(Date.parse(occurredAt)) && cursorOf(occurredAt, eventId) === cursor;
    if (!valid) return 'cursor: not a cursor this API returned';
    after = { occurredAt, eventId };
  }
  return { limit, after, newestFirst: order === 'desc', types, since };
}

/**
 * GET /v1/enrollments/{id}/events: what the log says happened to one
 * enrollment (check-ins, commands queued, delivered and answered, pushes,
 * clears), from the api.history projection, which waits for the log first
 * like every read.
 */
export class HistoryService {
  constructor(
    private readonly deps: Pick<ApiDeps, 'logger'> & { readonly historyFence: ApiDeps['fence'] },
    private readonly options: ApiOptions,
    private readonly reader: HistoryReader,
  ) {}

  async history(id: string, query: URLSearchParams): Promise<ApiReply> {
    const parsed = historyQueryFrom(query);
    if (typeof parsed === 'string') return { status: 400, body: { error: parsed } };
    try {
      await this.deps.historyFence.catchUp(this.options.fenceTimeoutMs);
      const page = await this.reader.page(id, { ...parsed, limit: parsed.limit + 1 });
      if (page.length === 0 && parsed.after === null && !(await this.reader.known(id))) {
        return { status: 404, body: { error: `enrollment not found: ${JSON.stringify(id)}` } };
      }
      const events = page.slice(0, parsed.limit);
      const last = events[events.length - 1];
      return { status: 200, body: { enrollment_id: id, events, next_cursor: page.length > parsed.limit ? cursorOf(last.occurred_at, last.event_id) : null } };
    } catch (error) {
      this.deps.logger.error({ err: error }, 'api: reading history failed');
      return { status: 503, body: { error: `reading: ${errorText(error)}` } };
    }
  }
}
