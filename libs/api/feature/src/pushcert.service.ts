import { createEvent, encodeEvent } from '@espalier/contracts/events';
import { notAfterRfc3339, parsePushCertUpload, PushCertError } from '@espalier/mdm/push-cert';
import { errorText } from './api-reply';
import { apiMeta, type ApiDeps, type ApiOptions, type ApiReply } from './api.deps';

/**
 * `PUT` / `GET /v1/pushcert` (§3.5, §3.6). An upload is validated as
 * NanoMDM does, its private key sealed with the topic as associated data
 * (the push service opens it so) before it enters the log.
 */
export class PushCertService {
  constructor(
    private readonly deps: ApiDeps,
    private readonly options: ApiOptions,
  ) {}

  async upload(body: Buffer): Promise<ApiReply> {
    let upload;
    try {
      upload = parsePushCertUpload(body);
    } catch (error) {
      if (error instanceof PushCertError) return { status: 400, body: { error: error.message } };
      throw error;
    }
    const { topic, certificatePem, privateKeyPem, notAfter } = upload;
    try {
      const privateKey = this.deps.box.seal(Buffer.from(privateKeyPem, 'utf8'), topic);
      const data = { topic, certificatePem, privateKey, notAfter: notAfter.toISOString() };
      await this.deps.appender.append([encodeEvent(createEvent('PushCertUploaded', data, apiMeta(this.deps, this.deps.newId())))]);
    } catch (error) {
      this.deps.logger.error({ err: error, topic }, 'api: push certificate not stored');
      return { status: 500, body: { error: `storing push certificate: ${errorText(error)}` } };
    }
    return { status: 200, body: { not_after: notAfterRfc3339(notAfter), topic } };
  }

  async read(topic: string | null): Promise<ApiReply> {
    if (!topic) return { status: 400, body: { error: 'missing required query parameter: topic' } };
    let notAfter: Date | null;
    try {
      await this.deps.fence.catchUp(this.options.fenceTimeoutMs);
      notAfter = await this.deps.reader.pushCertNotAfter(topic);
    } catch (error) {
      return { status: 500, body: { error: `retrieving push certificate: ${errorText(error)}` } };
    }
    // NanoMDM answers a missing certificate with its storage error and 500, not 404 (§3.6).
    if (!notAfter) return { status: 500, body: { error: `retrieving push certificate: none stored for topic ${JSON.stringify(topic)}` } };
    return { status: 200, body: { not_after: notAfterRfc3339(notAfter), topic } };
  }
}
