// Shared field schemas. Binary data always travels as standard base64 strings.
import { z } from 'zod';

/** A non-empty identifier (enrollment IDs are case-sensitive and not normalised, §5). */
export const idSchema = z.string().min(1);

export const isoDateTimeSchema = z.iso.datetime({ offset: true });

export const base64Schema = z.base64();

/** Exact request bytes as received, base64: they are signed, stored, replayed and served back. */
export const rawBytesSchema = z.base64().min(1);

/** Lowercase hex of one or more whole bytes (e.g. an APNs device token). */
export const hexBytesSchema = z.string().regex(/^(?:[0-9a-f]{2})+$/, 'expected lowercase hex bytes');

/** Lowercase hex SHA-256, e.g. a certificate's DER hash for cert-auth (§8.4). */
export const sha256HexSchema = z.string().regex(/^[0-9a-f]{64}$/, 'expected lowercase hex sha-256');

/** Enrollment type strings as NanoMDM stores and sends them (§5). */
export const enrollmentTypeSchema = z.enum(['Device', 'User', 'User Enrollment (Device)', 'User Enrollment', 'Shared iPad']);
export type EnrollmentType = z.infer<typeof enrollmentTypeSchema>;

/**
 * A secret sealed with AES-256-GCM before it enters the log (bootstrap tokens, unlock tokens,
 * push private keys). `keyId` names the configured key so keys can rotate. Produced by
 * SecretBox in @espalier/shared/util-crypto.
 */
export const encryptedSecretSchema = z.object({
  alg: z.literal('A256GCM'),
  keyId: idSchema,
  iv: base64Schema.min(1),
  tag: base64Schema.min(1),
  ciphertext: base64Schema,
});
export type EncryptedSecret = z.infer<typeof encryptedSecretSchema>;

/**
 * The identity certificate a check-in was authenticated with (§8.4), and what
 * that did to the cert-auth associations: `new` and `retroactive` add the
 * (device channel, hash) pair. Null for check-ins without a device
 * certificate (the operator's /migration import).
 */
export const certificateUseSchema = z
  .object({ hash: sha256HexSchema, association: z.enum(['existing', 'new', 'retroactive']) })
  .nullable();
export type CertificateUse = z.infer<typeof certificateUseSchema>;
