import https from 'node:https';

export interface EscrowAnswer {
  readonly status: number;
  readonly body: Buffer;
}

/**
 * Apple's escrowKeyUnlock endpoint (Activation Lock bypass), called as
 * NanoMDM does (§3.9): `POST <url>?<query>` with the urlencoded form body,
 * mutual TLS with the topic's push certificate. Any answer is returned as it
 * came; only a failure to get one throws.
 */
export function postEscrowKeyUnlock(
  url: string,
  request: { readonly query: string; readonly body: string },
  identity: { readonly certificatePem: string; readonly privateKeyPem: string },
  timeoutMs: number,
): Promise<EscrowAnswer> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    target.search = request.query;
    const body = Buffer.from(request.body);
    const req = https.request(
      target,
      {
        method: 'POST',
        cert: identity.certificatePem,
        key: identity.privateKeyPem,
        // A fresh connection per call: the client identity differs per topic, and these calls are rare.
        agent: false,
        timeout: timeoutMs,
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'Content-Length': body.length },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 502, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`escrowKeyUnlock: no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}
