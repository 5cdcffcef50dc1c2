import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SecretBox, SecretBoxError, type EncryptedSecret } from './secret-box';

const keyA = Buffer.alloc(32, 0xa1);
const keyB = Buffer.alloc(32, 0xb2);
const plaintext = Buffer.from('bootstrap-token-bytes\x00\x01\x02');

function flipFirstByte(base64: string): string {
  const bytes = Buffer.from(base64, 'base64');
  bytes[0] ^= 0x01;
  return bytes.toString('base64');
}

describe('SecretBox', () => {
  it('seals to the encryptedSecret shape and opens back to the same bytes', () => {
    const box = new SecretBox({ keyId: 'k1', key: keyA });
    const sealed = box.seal(plaintext);
    assert.equal(sealed.alg, 'A256GCM');
    assert.equal(sealed.keyId, 'k1');
    assert.equal(Buffer.from(sealed.iv, 'base64').length, 12);
    assert.equal(Buffer.from(sealed.tag, 'base64').length, 16);
    assert.notEqual(Buffer.from(sealed.ciphertext, 'base64').toString('hex'), plaintext.toString('hex'));
    assert.deepEqual(box.open(sealed), plaintext);
  });

  it('uses a fresh IV per seal', () => {
    const box = new SecretBox({ keyId: 'k1', key: keyA });
    assert.notEqual(box.seal(plaintext).iv, box.seal(plaintext).iv);
  });

  it('accepts the key as base64 or hex and the results interoperate', () => {
    const fromHex = new SecretBox({ keyId: 'k1', key: keyA.toString('hex') });
    const fromBase64 = new SecretBox({ keyId: 'k1', key: keyA.toString('base64') });
    assert.deepEqual(fromBase64.open(fromHex.seal(plaintext)), plaintext);
  });

  it('rejects keys that are not 32 bytes, without echoing key material', () => {
    assert.throws(() => new SecretBox({ keyId: 'k1', key: Buffer.alloc(16) }), /secret box key "k1": expected 32 bytes as base64 or hex, got 16 bytes/);
    assert.throws(() => new SecretBox({ keyId: 'k1', key: Buffer.alloc(31, 1).toString('base64') }), /got 31 bytes/);
    assert.throws(
      () => new SecretBox({ keyId: 'k1', key: 'not a key at all!' }),
      (err: unknown) => err instanceof SecretBoxError && !err.message.includes('not a key') && /neither/.test(err.message),
    );
    assert.throws(() => new SecretBox({ keyId: '', key: keyA }), /key id must not be empty/);
  });

  it('fails clearly with the wrong key', () => {
    const sealed = new SecretBox({ keyId: 'k1', key: keyA }).seal(plaintext);
    const impostor = new SecretBox({ keyId: 'k1', key: keyB });
    assert.throws(() => impostor.open(sealed), /opening secret with key "k1": authentication failed/);
  });

  for (const field of ['ciphertext', 'tag', 'iv'] as const) {
    it(`detects a tampered ${field}`, () => {
      const box = new SecretBox({ keyId: 'k1', key: keyA });
      const sealed = box.seal(plaintext);
      const tampered: EncryptedSecret = { ...sealed, [field]: flipFirstByte(sealed[field]) };
      assert.throws(() => box.open(tampered), (err: unknown) => err instanceof SecretBoxError && /authentication failed/.test(err.message));
    });
  }

  it('binds the additional authenticated data', () => {
    const box = new SecretBox({ keyId: 'k1', key: keyA });
    const sealed = box.seal(plaintext, 'enrollment:ABC');
    assert.deepEqual(box.open(sealed, 'enrollment:ABC'), plaintext);
    assert.throws(() => box.open(sealed, 'enrollment:XYZ'), /authentication failed/);
    assert.throws(() => box.open(sealed), /authentication failed/);
  });

  it('rejects malformed envelopes before decrypting', () => {
    const box = new SecretBox({ keyId: 'k1', key: keyA });
    const sealed = box.seal(plaintext);
    assert.throws(() => box.open({ ...sealed, iv: Buffer.alloc(8).toString('base64') }), /iv: expected 12 bytes, got 8/);
    assert.throws(() => box.open({ ...sealed, tag: '%%%' }), /tag: not base64/);
    assert.throws(() => box.open({ ...sealed, alg: 'A128GCM' as 'A256GCM' }), /unsupported alg "A128GCM"/);
  });

  describe('key rotation', () => {
    it('seals with the current key and still opens secrets sealed with a retired key', () => {
      const old = new SecretBox({ keyId: '2024', key: keyA });
      const sealedWithOld = old.seal(plaintext);
      const rotated = new SecretBox({ keyId: '2025', key: keyB }, { retiredKeys: [{ keyId: '2024', key: keyA }] });
      assert.equal(rotated.keyId, '2025');
      assert.equal(rotated.seal(plaintext).keyId, '2025');
      assert.deepEqual(rotated.open(sealedWithOld), plaintext);
    });

    it('names the unknown key id when a secret was sealed with a key it does not hold', () => {
      const sealed = new SecretBox({ keyId: 'gone', key: keyA }).seal(plaintext);
      assert.throws(() => new SecretBox({ keyId: 'k2', key: keyB }).open(sealed), /unknown key id "gone"/);
    });

    it('refuses duplicate key ids at construction', () => {
      assert.throws(() => new SecretBox({ keyId: 'k', key: keyA }, { retiredKeys: [{ keyId: 'k', key: keyB }] }), /duplicate key id "k"/);
    });
  });
});
