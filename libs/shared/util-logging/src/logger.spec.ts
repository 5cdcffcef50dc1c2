import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { createLogger } from './logger';

function capture() {
  const stream = new PassThrough();
  const lines: string[] = [];
  stream.on('data', (chunk: Buffer) => lines.push(...chunk.toString().split('\n').filter(Boolean)));
  return { stream, lines };
}

describe('createLogger', () => {
  it('writes JSON lines carrying the service name', async () => {
    const { stream, lines } = capture();
    createLogger({ service: 'push', level: 'info', destination: stream }).info({ topic: 'mdm.push' }, 'hello');
    await new Promise((r) => setImmediate(r));
    const entry = JSON.parse(lines[0]);
    assert.equal(entry.service, 'push');
    assert.equal(entry.msg, 'hello');
    assert.equal(entry.topic, 'mdm.push');
  });

  it('never prints secret fields, even nested', async () => {
    const { stream, lines } = capture();
    const logger = createLogger({ service: 'api', level: 'info', destination: stream });
    logger.info({ config: { secretKey: 'AAAA-secret', api: 'apikey-secret' }, privateKey: 'pk-secret' }, 'starting');
    await new Promise((r) => setImmediate(r));
    assert.doesNotMatch(lines.join('\n'), /-secret/);
    assert.match(lines[0], /\[redacted\]/);
  });
});
