// AES-256-GCM envelope for secrets that enter the event log (push private keys, bootstrap
// tokens, unlock tokens): the log is kept forever and replayed, so it only ever holds
// ciphertext. Keys are named so they can rotate: seal with the current key, open with
// whichever key the secret names.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/** Mirrors `encryptedSecret` in @espalier/contracts/events (binary fields are base64). */
export interface EncryptedSecret {
  readonly alg: 'A256GCM';
  readonly keyId: string;
  readonly iv: string;
  readonly tag: string;
  readonly ciphertext: string;
}

export interface SecretBoxKey {
  readonly keyId: string;
  /** 32 bytes, as a Buffer or a base64 or hex string. */
  readonly key: string | Uint8Array;
}

export interface SecretBoxOptions {
  /** Older keys still accepted by open(), never used by seal(). */
  readonly retiredKeys?: readonly SecretBoxKey[];
  /** Injected for deterministic tests only; defaults to node:crypto randomBytes. */
  readonly randomBytes?: (size: number) => Uint8Array;
}

export class SecretBoxError extends Error {
  override readonly name = 'SecretBoxError';
}

const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;
const HEX_KEY = /^[0-9a-fA-F]{64}$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export class SecretBox {
  private readonly keys = new Map<string, Buffer>();
  private readonly currentKeyId: string;
  private readonly random: (size: number) => Uint8Array;

  constructor(current: SecretBoxKey, options: SecretBoxOptions = {}) {
    for (const { keyId, key } of [current, ...(options.retiredKeys ?? [])]) {
      if (keyId.length === 0) throw new SecretBoxError('secret box: key id must not be empty');
      if (this.keys.has(keyId)) throw new SecretBoxError(`secret box: duplicate key id "${keyId}"`);
      this.keys.set(keyId, parseSecretKey(key, keyId));
    }
    this.currentKeyId = current.keyId;
    this.random = options.randomBytes ?? randomBytes;
  }

  get keyId(): string {
    return this.currentKeyId;
  }

  /** Encrypts with the current key. `aad` binds the secret to its context (e.g. an enrollment ID). */
  seal(plaintext: Uint8Array, aad?: string): EncryptedSecret {
    const iv = Buffer.from(this.random(IV_BYTES));
    if (iv.length !== IV_BYTES) throw new SecretBoxError(`secret box: random source returned ${iv.length} bytes, need ${IV_BYTES}`);
    const cipher = createCipheriv('aes-256-gcm', this.keyFor(this.currentKeyId), iv, { authTagLength: TAG_BYTES });
    if (aad !== undefined) cipher.setAAD(Buffer.from(aad, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return {
      alg: 'A256GCM',
      keyId: this.currentKeyId,
      iv: iv.toString('base64'),
      tag: cipher.getAuthTag().toString('base64'),
      ciphertext: ciphertext.toString('base64'),
    };
  }

  /** Decrypts with the key the secret names; throws SecretBoxError on any mismatch or tampering. */
  open(secret: EncryptedSecret, aad?: string): Buffer {
    const context = `opening secret with key "${secret.keyId}"`;
    if (secret.alg !== 'A256GCM') throw new SecretBoxError(`${context}: unsupported alg "${String(secret.alg)}"`);
    const key = this.keyFor(secret.keyId);
    const iv = decodeBase64(secret.iv, IV_BYTES, `${context}: iv`);
    const tag = decodeBase64(secret.tag, TAG_BYTES, `${context}: tag`);
    const ciphertext = decodeBase64(secret.ciphertext, undefined, `${context}: ciphertext`);
    const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
    decipher.setAuthTag(tag);
    if (aad !== undefined) decipher.setAAD(Buffer.from(aad, 'utf8'));
    try {
      return Buffer.concat([decipher.update(ciphertext), decipher.final()]);
    } catch {
      throw new SecretBoxError(`${context}: authentication failed (wrong key, wrong aad or tampered data)`);
    }
  }

  private keyFor(keyId: string): Buffer {
    const key = this.keys.get(keyId);
    if (!key) throw new SecretBoxError(`secret box: unknown key id "${keyId}"`);
    return key;
  }
}

/** Parses a 32-byte AES-256 key given as bytes, hex or base64. Never echoes key material. */
export function parseSecretKey(key: string | Uint8Array, keyId: string): Buffer {
  let bytes: Buffer;
  if (typeof key !== 'string') bytes = Buffer.from(key);
  else if (HEX_KEY.test(key)) bytes = Buffer.from(key, 'hex');
  else if (BASE64.test(key)) bytes = Buffer.from(key, 'base64');
  else throw new SecretBoxError(`secret box key "${keyId}": expected 32 bytes as base64 or hex, got a string that is neither`);
  if (bytes.length !== KEY_BYTES) {
    throw new SecretBoxError(`secret box key "${keyId}": expected ${KEY_BYTES} bytes as base64 or hex, got ${bytes.length} bytes`);
  }
  return bytes;
}

function decodeBase64(value: string, expectedBytes: number | undefined, what: string): Buffer {
  if (typeof value !== 'string' || !BASE64.test(value)) throw new SecretBoxError(`${what}: not base64`);
  const bytes = Buffer.from(value, 'base64');
  if (expectedBytes !== undefined && bytes.length !== expectedBytes) {
    throw new SecretBoxError(`${what}: expected ${expectedBytes} bytes, got ${bytes.length}`);
  }
  return bytes;
}

/**
 * The service's SecretBox from its -secret-key / -secret-key-id settings.
 * A service that seals or opens secrets cannot run without the key: it fails
 * at start-up, saying which service needs it and why.
 */
export function secretBoxFromSettings(settings: { readonly secretKey?: string; readonly secretKeyId: string }, service: string, why: string): SecretBox {
  if (!settings.secretKey) throw new Error(`${service}: needs -secret-key (ESPALIER_SECRET_KEY) ${why}`);
  return new SecretBox({ keyId: settings.secretKeyId, key: settings.secretKey });
}
