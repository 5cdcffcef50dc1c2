import { createEvent, encodeEvent, enrollmentTypeSchema } from '@espalier/contracts/events';
import type { EnrollmentFilter, EnrollmentsReader } from '@espalier/api/data-access-api';
import { errorText } from './api-reply';
import type { ApiDeps, ApiOptions, ApiReply } from './api.deps';

const MAX_PAGE = 1_000;
const DEFAULT_PAGE = 100;

const cursorOf = (id: string) => Buffer.from(id, 'utf8').toString('base64url');
const notFound = (what: string, id: string): ApiReply => ({ status: 404, body: { error: `${what} not found: ${JSON.stringify(id)}` } });

/** Parses the list filters; a bad value is an error naming its parameter. */
function filterFrom(query: URLSearchParams): { filter: EnrollmentFilter; limit: number; after: string | null } | string {
  const filter: { -readonly [K in keyof EnrollmentFilter]: EnrollmentFilter[K] } = {};
  const type = query.get('type');
  if (type !== null) {
    if (!enrollmentTypeSchema.safeParse(type).success) return `type: must be one of ${enrollmentTypeSchema.options.join(', ')}`;
    filter.type = type;
  }
  const topic = query.get('topic');
  if (topic !== null) filter.topic = topic;
  const enabled = query.get('enabled');
  if (enabled !== null) {
    if (enabled !== 'true' && enabled !== 'false') return 'enabled: must be true or false';
    filter.enabled = enabled === 'true';
  }
  for (const [param, key] of [['seen_since', 'seenSince'], ['seen_before', 'seenBefore']] as const) {
    const value = query.get(param);
    if (value === null) continue;
    const at = new Date(value);
    if (Number.isNaN(at.getTime())) return `${param}: must be an RFC 3339 time, e.g. 2026-01-31T00:00:00Z`;
    filter[key] = at;
  }
  const limitText = query.get('limit');
  const limit = limitText === null ? DEFAULT_PAGE : Number(limitText);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE) return `limit: must be an integer from 1 to ${MAX_PAGE}`;
  const cursor = query.get('cursor');
  let after: string | null = null;
  if (cursor !== null) {
    after = Buffer.from(cursor, 'base64url').toString('utf8');
    if (cursor === '' || cursorOf(after) !== cursor) return 'cursor: not a cursor this API returned';
  }
  return { filter, limit, after };
}

/**
 * The read APIs NanoMDM lacks (enrollments, their queues, command results)
 * and clearing a queue. Reads wait for the API's projection to catch up with
 * the log first, so what a request just did is visible.
 */
export class ReadService {
  constructor(
    private readonly deps: ApiDeps,
    private readonly options: ApiOptions,
    private readonly reader: EnrollmentsReader,
  ) {}

  async listEnrollments(query: URLSearchParams): Promise<ApiReply> {
    const parsed = filterFrom(query);
    if (typeof parsed === 'string') return { status: 400, body: { error: parsed } };
    return this.guard(async () => {
      const page = await this.reader.list(parsed.filter, parsed.limit + 1, parsed.after);
      const more = page.length > parsed.limit;
      const enrollments = page.slice(0, parsed.limit);
      return { status: 200, body: { enrollments, next_cursor: more ? cursorOf(enrollments[enrollments.length - 1].id) : null } };
    });
  }

  enrollment(id: string): Promise<ApiReply> {
    return this.guard(async () => {
      const found = await this.reader.one(id);
      return found ? { status: 200, body: found } : notFound('enrollment', id);
    });
  }

  queue(id: string): Promise<ApiReply> {
    return this.guard(async () => {
      if (!(await this.reader.one(id))) return notFound('enrollment', id);
      return { status: 200, body: { enrollment_id: id, commands: await this.reader.queue(id) } };
    });
  }

  /** Appends QueueCleared: the commands service stops serving what was queued before it (pending and NotNow'd). */
  clearQueue(id: string): Promise<ApiReply> {
    return this.guard(async () => {
      const enrollment = await this.reader.one(id);
      if (!enrollment) return notFound('enrollment', id);
      const correlationId = this.deps.newId();
      const meta = { eventId: this.deps.newId(), occurredAt: this.deps.clock().toISOString(), enrollmentId: id, deviceId: enrollment.device_id, source: 'api' as const, correlationId, causationId: null };
      await this.deps.appender.append([encodeEvent(createEvent('QueueCleared', { enrollmentIds: [id], reason: 'operator' }, meta))]);
      return { status: 200, body: { enrollment_id: id, cleared: true } };
    });
  }

  command(commandUuid: string): Promise<ApiReply> {
    return this.guard(async () => {
      const found = await this.reader.command(commandUuid);
      if (!found) return notFound('command', commandUuid);
      const enrollments = found.enrollments.map((e) => ({ ...e, result: e.result?.toString('base64') ?? null }));
      return { status: 200, body: { command_uuid: commandUuid, request_type: found.request_type, enrollments } };
    });
  }

  private async guard(work: () => Promise<ApiReply>): Promise<ApiReply> {
    try {
      await this.deps.fence.catchUp(this.options.fenceTimeoutMs);
      return await work();
    } catch (error) {
      this.deps.logger.error({ err: error }, 'api: read failed');
      return { status: 503, body: { error: `reading: ${errorText(error)}` } };
    }
  }
}
