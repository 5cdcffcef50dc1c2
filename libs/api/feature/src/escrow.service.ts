import { escrowRequestFrom } from '@espalier/api/domain';
import type { EscrowAnswer } from '@espalier/api/data-access-api';
import { errorText } from './api-reply';
import type { ApiDeps, ApiOptions, ApiReply } from './api.deps';

/** Calls Apple; the module binds postEscrowKeyUnlock to -escrow-key-unlock-url. */
export type EscrowPost = (request: { query: string; body: string }, identity: { certificatePem: string; privateKeyPem: string }) => Promise<EscrowAnswer>;

/** Apple's answer, passed through; or NanoMDM's JSON error. */
export type EscrowReply = { readonly raw: EscrowAnswer } | ApiReply;

/**
 * `POST /v1/escrowkeyunlock` (§3.9): Apple's Activation Lock bypass, with
 * the stored push certificate of the posted topic as TLS client identity.
 * Apple's status and body go back to the caller unchanged.
 */
export class EscrowService {
  constructor(
    private readonly deps: ApiDeps,
    private readonly options: ApiOptions,
    private readonly post: EscrowPost,
  ) {}

  async unlock(form: URLSearchParams): Promise<EscrowReply> {
    const request = escrowRequestFrom(form);
    if ('error' in request) return { status: 400, body: { error: request.error } };
    try {
      await this.deps.fence.catchUp(this.options.fenceTimeoutMs);
      const stored = await this.deps.reader.pushCertificate(request.topic);
      if (!stored) return { status: 500, body: { error: `retrieving push certificate: none stored for topic ${JSON.stringify(request.topic)}` } };
      const privateKeyPem = this.deps.box.open(stored.privateKey, request.topic).toString('utf8');
      return { raw: await this.post(request, { certificatePem: stored.certificatePem, privateKeyPem }) };
    } catch (error) {
      this.deps.logger.warn({ err: error, topic: request.topic }, 'api: escrow key unlock failed');
      return { status: 500, body: { error: errorText(error) } };
    }
  }
}
