import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { freePort } from '@espalier/shared/util-testing';
import { WebhookPoster } from './webhook-poster';

interface Received {
  readonly method?: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
}

async function receiver(status: number, delayMs = 0): Promise<{ url: string; received: Received[]; close(): Promise<void> }> {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ method: req.method, headers: req.headers, body: Buffer.concat(chunks) });
      setTimeout(() => res.writeHead(status).end('answer body'), delayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    close: () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
  };
}

const body = Buffer.from('{"topic":"mdm.Connect"}');

describe('WebhookPoster', () => {
  it('POSTs the exact bytes as JSON with X-Hmac-Signature when a key is set', async () => {
    const r = await receiver(200);
    try {
      const outcome = await new WebhookPoster({ url: r.url, hmacKey: 'shh', timeoutMs: 5_000 }).post(body);
      assert.deepEqual(outcome, { delivered: true });
      const [got] = r.received;
      assert.equal(got.method, 'POST');
      assert.equal(got.headers['content-type'], 'application/json; charset=utf-8');
      assert.ok(got.body.equals(body));
      assert.equal(got.headers['x-hmac-signature'], createHmac('sha256', 'shh').update(body).digest('base64'));
    } finally {
      await r.close();
    }
  });

  it('sends no signature without a key', async () => {
    const r = await receiver(200);
    try {
      await new WebhookPoster({ url: r.url, timeoutMs: 5_000 }).post(body);
      assert.equal(r.received[0].headers['x-hmac-signature'], undefined);
    } finally {
      await r.close();
    }
  });

  it('counts any status but 200 as a failure', async () => {
    for (const status of [204, 500, 503]) {
      const r = await receiver(status);
      try {
        assert.deepEqual(await new WebhookPoster({ url: r.url, timeoutMs: 5_000 }).post(body), { delivered: false, status, reason: `answered HTTP ${status}` });
      } finally {
        await r.close();
      }
    }
  });

  it('reports a refused connection and a timeout as failures, without throwing', async () => {
    const refused = await new WebhookPoster({ url: `http://127.0.0.1:${await freePort()}/hook`, timeoutMs: 5_000 }).post(body);
    assert.deepEqual(refused, { delivered: false, status: null, reason: 'ECONNREFUSED' });
    const r = await receiver(200, 500);
    try {
      const slow = await new WebhookPoster({ url: r.url, timeoutMs: 100 }).post(body);
      assert.deepEqual(slow, { delivered: false, status: null, reason: 'no answer within -webhook-timeout' });
    } finally {
      await r.close();
    }
  });

  it('lets a stop signal cut a POST short, long before -webhook-timeout', async () => {
    const r = await receiver(200, 5_000);
    try {
      const stop = new AbortController();
      const started = performance.now();
      setTimeout(() => stop.abort(), 50);
      const outcome = await new WebhookPoster({ url: r.url, timeoutMs: 30_000 }).post(body, stop.signal);
      assert.equal(outcome.delivered, false);
      assert.ok(performance.now() - started < 2_000);
    } finally {
      await r.close();
    }
  });
});
