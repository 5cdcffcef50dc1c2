import type { LogAppender } from '@espalier/contracts/event-log';
import { decideReport, nextCommandQuery, type ReportOptions } from '@espalier/commands/domain';
import type { QueueStateReader } from '@espalier/commands/data-access-queue';
import { DeviceCertError, type DeviceAuthenticator } from '@espalier/mdm/device-auth';
import { bodyReply, errorReply, TooLargeError, UnavailableError, unavailableOnError, withTimeout, type DeviceReply } from '@espalier/mdm/device-http';
import { decodeCommandReport, ProtocolError, resolveEnrollment } from '@espalier/mdm/protocol';
import type { Logger } from '@espalier/shared/util-logging';
import { reportRecords } from './report-events.factory';

/** Waits until the commands projection has everything the log had for this device when the request arrived. */
export interface ReadFence {
  catchUp(deviceChannelId: string, timeoutMs: number): Promise<void>;
}

export interface ReportServiceDeps {
  readonly authenticator: DeviceAuthenticator;
  readonly fence: ReadFence;
  readonly reader: QueueStateReader;
  readonly appender: LogAppender;
  readonly logger: Logger;
  readonly clock: () => Date;
  readonly newId: () => string;
  readonly dumpTo?: (chunk: Buffer) => void;
}

export interface ReportServiceOptions extends ReportOptions {
  readonly timeoutMs: number;
  readonly dump: boolean;
}

export interface ReportRequest {
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: Buffer;
}

/**
 * One command report, start to finish (§3.4, §7.2): certificate (400),
 * decode (400), enrollment ID (500), catch up with the log, state and reply
 * in one lookup, the decider (cert-auth, storage rules), then the report is
 * appended and acknowledged before the device gets its next command. A
 * report is never answered 200 without being in the log; a failed append is
 * a 503 and the device reports again.
 */
export class ReportService {
  constructor(
    private readonly deps: ReportServiceDeps,
    private readonly options: ReportServiceOptions,
  ) {}

  async handle(request: ReportRequest): Promise<DeviceReply> {
    const traceId = this.deps.newId();
    const log = this.deps.logger.child({ traceId });
    try {
      return await this.process(request, traceId, log);
    } catch (error) {
      if (error instanceof DeviceCertError) {
        log.info({ err: error.message }, 'report: device certificate refused');
        return errorReply(400);
      }
      if (error instanceof ProtocolError) {
        log.info({ err: error.message }, 'report: request refused');
        return errorReply(error.status);
      }
      if (error instanceof TooLargeError) {
        log.warn({ err: error.message }, 'report: event too large for the log');
        return errorReply(413);
      }
      if (error instanceof UnavailableError) {
        log.warn({ err: error.message }, 'report: dependency unavailable');
        return errorReply(503);
      }
      log.error({ err: error }, 'report: failed');
      return errorReply(500);
    }
  }

  private async process(request: ReportRequest, traceId: string, log: Logger): Promise<DeviceReply> {
    if (this.options.dump) this.deps.dumpTo?.(Buffer.concat([request.body, Buffer.from('\n')]));
    const cert = await this.deps.authenticator.authenticate(request.headers, request.body);
    const report = decodeCommandReport(request.body);
    const enrollment = resolveEnrollment(report.ids);
    const timeout = this.options.timeoutMs;
    await unavailableOnError('catching up with the log', () => withTimeout(this.deps.fence.catchUp(enrollment.deviceChannelId, timeout), timeout));
    const state = await unavailableOnError('reading the queue', () =>
      this.deps.reader.reportState({
        enrollmentId: enrollment.id,
        deviceChannelId: enrollment.deviceChannelId,
        certHash: cert.hash,
        commandUuid: report.commandUuid,
        next: nextCommandQuery(report),
        deleteAnswered: this.options.deleteAnswered,
      }),
    );
    const decision = decideReport({ report, enrollment, certificateHash: cert.hash, raw: request.body }, state, this.options);
    if (decision.kind === 'reject') {
      log.info({ enrollmentId: enrollment.id, status: decision.status, reason: decision.reason }, 'report: rejected');
      return errorReply(decision.status);
    }
    const records = reportRecords(decision.fact, decision.reply, {
      newId: this.deps.newId,
      occurredAt: this.deps.clock().toISOString(),
      correlationId: traceId,
    });
    // The append may still land after a timeout; the device's retry is then a
    // second report of the same result, which NanoMDM's storage tolerates.
    await unavailableOnError('appending the report', () => withTimeout(this.deps.appender.append(records), timeout));
    return bodyReply(decision.reply?.payload ?? Buffer.alloc(0), contentTypeOf(decision.reply?.payload));
  }
}

/** Go's sniffing, as NanoMDM answers: XML plists are text/xml, binary plists application/octet-stream. */
function contentTypeOf(payload: Buffer | undefined): string | undefined {
  if (payload === undefined) return undefined;
  return payload.subarray(0, 8).toString('latin1') === 'bplist00' ? 'application/octet-stream' : 'text/xml; charset=utf-8';
}
