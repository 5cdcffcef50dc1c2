import { ApnsClient, type ApnsClientOptions } from '@espalier/push/data-access-apns';
import type { PushCertificate } from '@espalier/push/data-access-push';
import { noCertificate } from '@espalier/push/domain';
import type { SecretBox } from '@espalier/shared/util-crypto';
import type { Logger } from '@espalier/shared/util-logging';

export type ClientOptions = Omit<ApnsClientOptions, 'certificatePem' | 'privateKeyPem'>;

export interface ApnsClientsDeps {
  readonly certificate: (topic: string) => Promise<PushCertificate | null>;
  readonly box: SecretBox;
  readonly logger: Logger;
  /** Builds a client; tests count or replace them. */
  readonly connect?: (topic: string, options: ApnsClientOptions) => ApnsClient;
}

interface Cached {
  readonly uploadEventId: string;
  readonly client: ApnsClient;
}

/**
 * One APNs client per topic, built from the topic's current certificate
 * (§9.2). Each use compares the certificate's upload event with the one the
 * client was built from — NanoMDM's stale token — so a re-upload is used from
 * the next push on, by every instance. The replaced client finishes its
 * pushes in flight and closes.
 */
export class ApnsClients {
  private readonly cache = new Map<string, Cached>();

  constructor(
    private readonly deps: ApnsClientsDeps,
    private readonly options: ClientOptions,
  ) {}

  /** A client for each usable topic; for the others, why they cannot push. */
  async forTopics(topics: Iterable<string>): Promise<{ clients: Map<string, ApnsClient>; unusable: Map<string, string> }> {
    const clients = new Map<string, ApnsClient>();
    const unusable = new Map<string, string>();
    await Promise.all(
      [...new Set(topics)].map(async (topic) => {
        const found = await this.forTopic(topic);
        if (typeof found === 'string') unusable.set(topic, found);
        else clients.set(topic, found);
      }),
    );
    return { clients, unusable };
  }

  async close(): Promise<void> {
    const cached = [...this.cache.values()];
    this.cache.clear();
    await Promise.all(cached.map(({ client }) => client.close()));
  }

  private async forTopic(topic: string): Promise<ApnsClient | string> {
    const certificate = await this.deps.certificate(topic);
    const cached = this.cache.get(topic);
    if (!certificate) {
      this.retire(topic);
      return noCertificate(topic);
    }
    if (cached?.uploadEventId === certificate.uploadEventId) return cached.client;
    let privateKeyPem: string;
    try {
      privateKeyPem = this.deps.box.open(certificate.privateKey, topic).toString('utf8');
    } catch (error) {
      // Wrong -secret-key, or a rotated key no longer configured: every push of the topic fails with this.
      this.deps.logger.error({ err: error, topic, uploadEventId: certificate.uploadEventId }, 'push: cannot open the push certificate key');
      return `push certificate key for topic "${topic}" cannot be opened: ${(error as Error).message}`;
    }
    this.retire(topic);
    const options = { ...this.options, certificatePem: certificate.certificatePem, privateKeyPem };
    const client = (this.deps.connect ?? ((t, o) => new ApnsClient(t, o)))(topic, options);
    this.cache.set(topic, { uploadEventId: certificate.uploadEventId, client });
    this.deps.logger.info({ topic, uploadEventId: certificate.uploadEventId, notAfter: certificate.notAfter.toISOString() }, 'push: using the topic\'s certificate');
    return client;
  }

  private retire(topic: string): void {
    const cached = this.cache.get(topic);
    if (!cached) return;
    this.cache.delete(topic);
    void cached.client.close().catch((error: unknown) => this.deps.logger.warn({ err: error, topic }, 'push: closing a replaced APNs client failed'));
  }
}
