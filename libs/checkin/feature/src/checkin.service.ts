import type { LogAppender } from '@espalier/contracts/event-log';
import { encodeEvent } from '@espalier/contracts/events';
import { decideCheckin, type CheckinFact, type ReplySpec } from '@espalier/checkin/domain';
import { CheckinStateReader, ENROLLMENTS_PROJECTION } from '@espalier/checkin/data-access-enrollments';
import { DeviceCertError, type DeviceAuthenticator } from '@espalier/mdm/device-auth';
import {
  bootstrapTokenReply,
  decodeCheckin,
  digestChallengeReply,
  ProtocolError,
  resolveEnrollment,
  tokenDataReply,
  validateGetToken,
  type CheckinMessage,
  type ResolvedEnrollment,
} from '@espalier/mdm/protocol';
import type { CheckpointBarrier } from '@espalier/shared/data-access-postgres';
import type { SecretBox } from '@espalier/shared/util-crypto';
import type { Logger } from '@espalier/shared/util-logging';
import { checkinEvent } from './checkin-event.factory';
import type { DeclarativeManagementClient } from './declarative-management.client';
import { bodyReply, errorReply, TooLargeError, UnavailableError, unavailableOnError, withTimeout, type DeviceReply } from '@espalier/mdm/device-http';
import type { TokenHandlerRegistry } from './token-handlers';

export interface CheckinServiceOptions {
  readonly retro: boolean;
  readonly uaZeroLengthDigestChallenge: boolean;
  /** -checkin: check-ins only on /checkin; without it, /checkin is not served (§3.1). */
  readonly separateCheckinPath: boolean;
  readonly catchUpTimeoutMs: number;
  readonly dump: boolean;
  readonly schema: string;
}

export interface CheckinDeps {
  readonly authenticator: DeviceAuthenticator;
  readonly reader: CheckinStateReader;
  readonly appender: LogAppender;
  readonly barrier: CheckpointBarrier;
  readonly box: SecretBox;
  readonly tokens: TokenHandlerRegistry;
  readonly dm: DeclarativeManagementClient | null;
  readonly logger: Logger;
  readonly clock: () => Date;
  readonly newId: () => string;
  readonly dumpTo?: (chunk: Buffer) => void;
}

export interface CheckinRequest {
  readonly path: '/mdm' | '/checkin';
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: Buffer;
}

/**
 * One check-in, start to finish (§3.3 order): certificate (400), decode
 * (400), enrollment ID (500), GetToken validation (500), state from the
 * projection, the decider (cert-auth association and message rules), side
 * calls that can still fail (DM, GetToken), then the one event is appended
 * and the answer waits until the projection applied it, so the device's
 * next request sees this one.
 */
export class CheckinService {
  constructor(
    private readonly deps: CheckinDeps,
    private readonly options: CheckinServiceOptions,
  ) {}

  handle(request: CheckinRequest): Promise<DeviceReply> {
    return this.guarded((traceId) => this.process(request, traceId));
  }

  /**
   * `/migration` (§3.10): a check-in from another server's storage, already
   * authorised by the API key. No certificate is extracted, verified or
   * associated, and nothing is dumped; the decider and the events are the
   * same as a device's. The enrollment's own requests later need -retro.
   */
  handleMigration(body: Buffer): Promise<DeviceReply> {
    return this.guarded((traceId) => this.decideAndRecord(body, null, traceId, false));
  }

  /** Maps each typed failure to its status; anything unexpected is a 500, logged. */
  private async guarded(work: (traceId: string) => Promise<DeviceReply>): Promise<DeviceReply> {
    const traceId = this.deps.newId();
    const log = this.deps.logger.child({ traceId });
    try {
      return await work(traceId);
    } catch (error) {
      if (error instanceof DeviceCertError) {
        log.info({ err: (error as Error).message }, 'check-in: device certificate refused');
        return errorReply(400);
      }
      if (error instanceof ProtocolError) {
        log.info({ err: error.message }, 'check-in: request refused');
        return errorReply(error.status);
      }
      if (error instanceof TooLargeError) {
        log.warn({ err: error.message }, 'check-in: event too large for the log');
        return errorReply(413);
      }
      if (error instanceof UnavailableError) {
        log.warn({ err: error.message }, 'check-in: dependency unavailable');
        return errorReply(503);
      }
      log.error({ err: error }, 'check-in: failed');
      return errorReply(500);
    }
  }

  private async process(request: CheckinRequest, traceId: string): Promise<DeviceReply> {
    if (request.path === '/checkin' && !this.options.separateCheckinPath) return errorReply(404);
    if (request.path === '/mdm' && this.options.separateCheckinPath) {
      throw new ProtocolError(400, 'check-in: with -checkin, check-ins are served on /checkin only');
    }
    const cert = await this.deps.authenticator.authenticate(request.headers, request.body);
    return this.decideAndRecord(request.body, cert.hash, traceId, true);
  }

  /** Everything after the certificate: decode, the decider, side calls, the event. */
  private async decideAndRecord(body: Buffer, certificateHash: string | null, traceId: string, dump: boolean): Promise<DeviceReply> {
    const message = decodeCheckin(body);
    // -dump (§11.6): the raw check-in, then what NanoMDM also writes for some messages.
    if (dump) {
      this.dump(body);
      if (message.messageType === 'DeclarativeManagement' && message.data && message.data.length > 0) this.dump(message.data);
    }
    const enrollment = resolveEnrollment(message.ids);
    if (message.messageType === 'GetToken') validateGetToken(message);
    const state = await unavailableOnError('reading enrollment state', () => this.deps.reader.read(enrollment.deviceChannelId, certificateHash));
    const decision = decideCheckin({ message, enrollment, certificateHash, raw: body }, state, {
      retro: this.options.retro,
      uaZeroLengthDigestChallenge: this.options.uaZeroLengthDigestChallenge,
      declarativeManagement: this.deps.dm !== null,
      hasTokenHandler: (type) => this.deps.tokens.has(type),
    });
    if (decision.kind === 'reject') {
      this.deps.logger.info({ traceId, enrollmentId: enrollment.id, status: decision.status, reason: decision.reason }, 'check-in: rejected');
      return errorReply(decision.status);
    }
    const reply = await this.prepareReply(decision.reply, message, enrollment);
    if (reply.status !== 200) return reply;
    await this.record(decision.fact, traceId);
    return reply;
  }

  /** Side calls happen before the event: a failing DM server or token handler rejects the check-in, unrecorded. */
  private async prepareReply(spec: ReplySpec, message: CheckinMessage, enrollment: ResolvedEnrollment): Promise<DeviceReply> {
    switch (spec.kind) {
      case 'empty':
        return bodyReply(Buffer.alloc(0));
      case 'digest-challenge':
        this.dump(digestChallengeReply());
        return bodyReply(digestChallengeReply());
      case 'bootstrap-token': {
        const sealed = await unavailableOnError('reading bootstrap token', () => this.deps.reader.bootstrapToken(enrollment.deviceChannelId));
        if (!sealed) return bodyReply(Buffer.alloc(0));
        const token = this.deps.box.open(sealed, enrollment.id);
        this.dump(Buffer.from(`Bootstrap token: ${token.toString('base64')}\n`), false);
        return bodyReply(bootstrapTokenReply(token));
      }
      case 'declarative-management': {
        const result = await (this.deps.dm as DeclarativeManagementClient).forward(enrollment, spec.endpoint, spec.data);
        if (result.ok) return bodyReply(result.body, 'text/plain; charset=utf-8');
        this.deps.logger.warn({ enrollmentId: enrollment.id, reason: result.reason }, 'check-in: declarative management failed');
        return errorReply(500, result.body);
      }
      case 'token': {
        const handler = this.deps.tokens.get(spec.tokenServiceType);
        if (!handler || message.messageType !== 'GetToken') return errorReply(500);
        const data = await handler.tokenData(message, enrollment.id);
        this.dump(Buffer.from(`GetToken TokenData: ${data.toString('base64')}\n`), false);
        return bodyReply(tokenDataReply(data));
      }
    }
  }

  /** -dump writes to stdout, in clear (raw check-ins carry tokens): a debugging aid, never on by default. */
  private dump(bytes: Buffer, newline = true): void {
    if (!this.options.dump) return;
    this.deps.dumpTo?.(newline ? Buffer.concat([bytes, Buffer.from('\n')]) : bytes);
  }

  private async record(fact: CheckinFact, traceId: string): Promise<void> {
    const event = checkinEvent(fact, this.deps.box, { eventId: this.deps.newId(), occurredAt: this.deps.clock().toISOString(), correlationId: traceId });
    // Bounded: while the broker is down the producer retries for a long time,
    // and a device must get a quick 503 (it retries), never a hanging request.
    // The append may still land after the timeout; the retry is then a
    // duplicate check-in, which NanoMDM's semantics tolerate (e.g. tally + 1).
    const [position] = await unavailableOnError('appending the check-in event', () =>
      withTimeout(this.deps.appender.append([encodeEvent(event as never)]), this.options.catchUpTimeoutMs),
    );
    await unavailableOnError('waiting for the enrollment projection', () =>
      this.deps.barrier.waitFor(this.options.schema, ENROLLMENTS_PROJECTION, position, this.options.catchUpTimeoutMs),
    );
  }
}
