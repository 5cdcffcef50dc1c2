export { SecretBox, SecretBoxError, parseSecretKey, secretBoxFromSettings } from './secret-box';
export type { EncryptedSecret, SecretBoxKey, SecretBoxOptions } from './secret-box';
export { sha256Hex } from './hash';
export { basicAuthOk } from './basic-auth';
