import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ApnsClient, ApnsClientOptions } from '@espalier/push/data-access-apns';
import type { PushCertificate } from '@espalier/push/data-access-push';
import { SecretBox } from '@espalier/shared/util-crypto';
import { createLogger } from '@espalier/shared/util-logging';
import { ApnsClients } from './apns-clients';

const T1 = 'com.apple.mgmt.External.one';
const T2 = 'com.apple.mgmt.External.two';
const box = new SecretBox({ keyId: 'k1', key: Buffer.alloc(32, 1) });
const cert = (topic: string, upload: string, sealWith = box): PushCertificate => ({
  certificatePem: `CERT-${upload}`,
  privateKey: sealWith.seal(Buffer.from(`KEY-${upload}`), topic),
  notAfter: new Date('2030-01-01T00:00:00Z'),
  uploadEventId: upload,
});

function given(certs: Map<string, PushCertificate>) {
  const built: { topic: string; options: ApnsClientOptions; closed: boolean }[] = [];
  const clients = new ApnsClients(
    {
      certificate: async (topic) => certs.get(topic) ?? null,
      box,
      logger: createLogger({ service: 'push', level: 'silent' }),
      connect: (topic, options) => {
        const record = { topic, options, closed: false };
        built.push(record);
        return { topic, close: async () => void (record.closed = true) } as unknown as ApnsClient;
      },
    },
    { baseUrl: 'https://apns.test', sessions: 2 },
  );
  return { clients, built };
}

describe('ApnsClients', () => {
  it('builds one client per topic from its certificate and opened key, and reuses it', async () => {
    const { clients, built } = given(new Map([[T1, cert(T1, 'u1')], [T2, cert(T2, 'u2')]]));
    const first = await clients.forTopics([T1, T2, T1]);
    const again = await clients.forTopics([T1]);
    assert.equal(again.clients.get(T1), first.clients.get(T1));
    assert.deepStrictEqual(built.map((b) => [b.topic, b.options.certificatePem, b.options.privateKeyPem, b.options.baseUrl]), [
      [T1, 'CERT-u1', 'KEY-u1', 'https://apns.test'],
      [T2, 'CERT-u2', 'KEY-u2', 'https://apns.test'],
    ]);
  });

  it('a re-upload builds a new client for the next push and closes the old one', async () => {
    const certs = new Map([[T1, cert(T1, 'u1')]]);
    const { clients, built } = given(certs);
    const before = (await clients.forTopics([T1])).clients.get(T1);
    certs.set(T1, cert(T1, 'u2'));
    const after = (await clients.forTopics([T1])).clients.get(T1);
    assert.notEqual(after, before);
    assert.deepStrictEqual(built.map((b) => [b.options.certificatePem, b.closed]), [['CERT-u1', true], ['CERT-u2', false]]);
  });

  it('says why a topic cannot push: no certificate, or a key this service cannot open', async () => {
    const other = new SecretBox({ keyId: 'k1', key: Buffer.alloc(32, 2) });
    const { clients, built } = given(new Map([[T2, cert(T2, 'u2', other)]]));
    const { clients: usable, unusable } = await clients.forTopics([T1, T2]);
    assert.equal(usable.size, 0);
    assert.equal(unusable.get(T1), `no push certificate for topic "${T1}"`);
    assert.match(unusable.get(T2) ?? '', /^push certificate key for topic ".*two" cannot be opened: .*authentication failed/);
    assert.deepStrictEqual(built, []);
  });

  it('close() closes every client', async () => {
    const { clients, built } = given(new Map([[T1, cert(T1, 'u1')], [T2, cert(T2, 'u2')]]));
    await clients.forTopics([T1, T2]);
    await clients.close();
    assert.deepStrictEqual(built.map((b) => b.closed), [true, true]);
  });
});
