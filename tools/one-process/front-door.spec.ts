import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { ServiceName } from '@espalier/contracts/routing';
import { frontDoor, opsDoor } from './front-door';

const CHECKIN_CT = 'application/x-apple-aspen-mdm-checkin';
const COMMANDS_CT = 'application/x-apple-aspen-mdm';

/**
 * A stand-in service: a real http.Server (never listening: the doors hand it
 * requests in-process) that names itself and echoes what reached it, the body
 * byte for byte, so a test sees exactly what the door delivered.
 */
function echoService(name: string): http.Server {
  return http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      res.writeHead(200, { 'x-service': name, 'x-method': req.method ?? '', 'x-url': req.url ?? '' }).end(Buffer.concat(chunks));
    });
  });
}

async function listen(listener: http.RequestListener): Promise<{ server: http.Server; base: string }> {
  const server = http.createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

function close(server: http.Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

interface Answer {
  status: number;
  service: string | null;
  method: string | null;
  url: string | null;
  body: Buffer;
}

async function send(base: string, path: string, init: RequestInit = {}): Promise<Answer> {
  const res = await fetch(base + path, init);
  const body = Buffer.from(await res.arrayBuffer());
  return { status: res.status, service: res.headers.get('x-service'), method: res.headers.get('x-method'), url: res.headers.get('x-url'), body };
}

const NAMES: readonly ServiceName[] = ['checkin', 'commands', 'push', 'api'];
const services = new Map(NAMES.map((name) => [name, echoService(name)]));

describe('frontDoor', () => {
  let door: { server: http.Server; base: string };
  let disabled: { server: http.Server; base: string };

  before(async () => {
    door = await listen(frontDoor(services, { disableMdm: false }));
    disabled = await listen(frontDoor(services, { disableMdm: true }));
  });

  after(async () => {
    await Promise.all([close(door.server), close(disabled.server)]);
  });

  it('sends PUT /mdm by Content-Type: check-ins to checkin, the rest to commands', async () => {
    const checkin = await send(door.base, '/mdm', { method: 'PUT', headers: { 'content-type': CHECKIN_CT }, body: 'a' });
    assert.deepEqual([checkin.status, checkin.service, checkin.method, checkin.url], [200, 'checkin', 'PUT', '/mdm']);
    const report = await send(door.base, '/mdm', { method: 'PUT', headers: { 'content-type': COMMANDS_CT }, body: 'b' });
    assert.deepEqual([report.status, report.service, report.method, report.url], [200, 'commands', 'PUT', '/mdm']);
  });

  it('sends /checkin to checkin and /v1/… and /version to api, URL untouched', async () => {
    const checkin = await send(door.base, '/checkin', { method: 'PUT', headers: { 'content-type': COMMANDS_CT }, body: 'x' });
    assert.deepEqual([checkin.service, checkin.url], ['checkin', '/checkin']);
    const enqueue = await send(door.base, '/v1/enqueue/x?nopush=1', { method: 'POST', body: '{}' });
    assert.deepEqual([enqueue.service, enqueue.method, enqueue.url], ['api', 'POST', '/v1/enqueue/x?nopush=1']);
    const version = await send(door.base, '/version');
    assert.deepEqual([version.service, version.method, version.url], ['api', 'GET', '/version']);
  });

  it('answers an unknown path itself with 404', async () => {
    const answer = await send(door.base, '/nowhere');
    assert.equal(answer.status, 404);
    assert.equal(answer.service, null);
    assert.equal(answer.body.toString(), '404 page not found\n');
  });

  it('delivers the body bytes unchanged, including bytes that are not UTF-8', async () => {
    const body = Buffer.concat([Buffer.from('<?xml version="1.0"?>'), Buffer.from([0x00, 0xff, 0xfe, 0xc3, 0x28, 0x80, 0x0d, 0x0a]), Buffer.alloc(70_000, 0xa5)]);
    const answer = await send(door.base, '/mdm', { method: 'PUT', headers: { 'content-type': COMMANDS_CT }, body });
    assert.equal(answer.service, 'commands');
    assert.ok(answer.body.equals(body));
  });

  it('never serves the services\' own health and metrics endpoints', async () => {
    for (const path of ['/metrics', '/readyz', '/healthz', '/api/metrics', '/commands/readyz', '/checkin/healthz']) {
      const answer = await send(door.base, path);
      assert.equal(answer.status, 404, path);
      assert.equal(answer.service, null, path);
    }
  });

  describe('with disableMdm', () => {
    it('answers /mdm, /checkin and /authproxy/ with 404', async () => {
      const requests: [string, RequestInit][] = [
        ['/mdm', { method: 'PUT', headers: { 'content-type': CHECKIN_CT }, body: 'a' }],
        ['/mdm', { method: 'PUT', headers: { 'content-type': COMMANDS_CT }, body: 'a' }],
        ['/checkin', { method: 'PUT', body: 'a' }],
        ['/authproxy/x', {}],
        ['/mdm?x=1', { method: 'PUT', body: 'a' }],
      ];
      for (const [path, init] of requests) {
        const answer = await send(disabled.base, path, init);
        assert.deepEqual([answer.status, answer.service, answer.body.toString()], [404, null, '404 page not found\n'], path);
      }
    });

    it('still sends the API to api', async () => {
      const enqueue = await send(disabled.base, '/v1/enqueue/x', { method: 'PUT', body: '{}' });
      assert.deepEqual([enqueue.status, enqueue.service, enqueue.url], [200, 'api', '/v1/enqueue/x']);
      const version = await send(disabled.base, '/version');
      assert.deepEqual([version.status, version.service], [200, 'api']);
    });
  });
});

describe('opsDoor', () => {
  let ops: { server: http.Server; base: string };

  before(async () => {
    ops = await listen(opsDoor(services));
  });

  after(() => close(ops.server));

  it('hands /<service>/readyz to that service as /readyz, query string kept', async () => {
    const answer = await send(ops.base, '/commands/readyz?verbose=1');
    assert.deepEqual([answer.status, answer.service, answer.url], [200, 'commands', '/readyz?verbose=1']);
    const metrics = await send(ops.base, '/api/metrics');
    assert.deepEqual([metrics.service, metrics.url], ['api', '/metrics']);
    const health = await send(ops.base, '/push/healthz');
    assert.deepEqual([health.service, health.url], ['push', '/healthz']);
  });

  it('answers an unknown service or endpoint with 404', async () => {
    for (const path of ['/nope/readyz', '/api/other', '/readyz', '/v1/enqueue/x', '/commands/readyz/more']) {
      const answer = await send(ops.base, path);
      assert.equal(answer.status, 404, path);
      assert.equal(answer.service, null, path);
      assert.match(answer.body.toString(), /^404: try \/<service>\/healthz/, path);
    }
  });
});
