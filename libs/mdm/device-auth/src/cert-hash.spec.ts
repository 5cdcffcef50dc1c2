import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { certHash } from './cert-hash';

describe('certHash', () => {
  it('is the lowercase hex SHA-256 of the DER', () => {
    const der = Buffer.from('30030201ff', 'hex');
    assert.equal(certHash(der), createHash('sha256').update(der).digest('hex'));
    assert.match(certHash(der), /^[0-9a-f]{64}$/);
  });
});
