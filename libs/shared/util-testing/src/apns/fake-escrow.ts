import { once } from 'node:events';
import https from 'node:https';
import type { TLSSocket } from 'node:tls';
import { pushCaPem } from './push-certificate';
import { localServerIdentity } from './server-identity';

export interface FakeEscrowRequest {
  readonly method: string;
  /** Path and query, as sent. */
  readonly url: string;
  readonly contentType: string | undefined;
  readonly body: string;
  /** The client certificate's subject UID (the push topic whose certificate was used). */
  readonly topic: string | undefined;
}

export interface FakeEscrow {
  /** `https://127.0.0.1:<port>/deviceservicesworkers/escrowKeyUnlock` */
  readonly url: string;
  readonly ca: string;
  readonly requests: FakeEscrowRequest[];
  reply(status: number, body: string): void;
  close(): Promise<void>;
}

/**
 * Stands in for Apple's escrowKeyUnlock endpoint (Activation Lock bypass):
 * HTTPS with client certificates from the test push CA, recording every
 * request and answering as scripted (default 200 with an empty body).
 */
export async function startFakeEscrow(): Promise<FakeEscrow> {
  const { serverCa, identity } = localServerIdentity('Espalier Fake Escrow CA');
  const requests: FakeEscrowRequest[] = [];
  let answer = { status: 200, body: '' };
  const server = https.createServer({ key: identity.keyPem, cert: identity.certPem, ca: pushCaPem(), requestCert: true, rejectUnauthorized: true }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const uid = (req.socket as TLSSocket).getPeerCertificate().subject?.UID as string | string[] | undefined;
      requests.push({
        method: req.method ?? '', url: req.url ?? '', contentType: req.headers['content-type'], body: Buffer.concat(chunks).toString('utf8'),
        topic: Array.isArray(uid) ? uid[0] : uid,
      });
      res.writeHead(answer.status, { 'Content-Type': 'text/plain' });
      res.end(answer.body);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  return {
    url: `https://127.0.0.1:${port}/deviceservicesworkers/escrowKeyUnlock`,
    ca: serverCa.rootPem,
    requests,
    reply: (status, body) => void (answer = { status, body }),
    close: () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      return closed;
    },
  };
}
