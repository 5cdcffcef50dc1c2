// APNs push events on mdm.push (NanoMDM §9).
import { z } from 'zod';
import { defineEvent } from './define-event';
import { encryptedSecretSchema, hexBytesSchema, idSchema, isoDateTimeSchema } from './primitives.schema';
import { TOPICS } from './topics';

const subject = ['enrollmentId', 'deviceId'] as const;

export const PushRequested = defineEvent({
  type: 'PushRequested',
  version: 1,
  topic: TOPICS.push,
  description: 'An operator asked to push these enrollments (§3.7).',
  data: z.object({ enrollmentIds: z.array(idSchema).min(1) }),
});

export const PushCertUploaded = defineEvent({
  type: 'PushCertUploaded',
  version: 1,
  topic: TOPICS.push,
  // Certificates are stored per APNs topic (§9.2): keep each topic's uploads in order.
  key: (event) => event.data.topic,
  keyRule: 'data.topic: the APNs topic, so uploads for one topic stay in order',
  description: 'A push certificate and its sealed private key for one APNs topic (§3.5); replaces the previous one.',
  data: z.object({
    topic: idSchema,
    certificatePem: z.string().startsWith('-----BEGIN CERTIFICATE-----'),
    privateKey: encryptedSecretSchema,
    notAfter: isoDateTimeSchema,
  }),
});

export const PushSent = defineEvent({
  type: 'PushSent',
  version: 1,
  topic: TOPICS.push,
  requires: subject,
  description: 'APNs accepted the push for the envelope enrollment (HTTP 200); apnsId is the apns-id response header.',
  data: z.object({ topic: idSchema, apnsId: idSchema }),
});

export const PushFailed = defineEvent({
  type: 'PushFailed',
  version: 1,
  topic: TOPICS.push,
  requires: subject,
  description:
    'The push for the envelope enrollment failed: APNs status and reason, or no push data / no certificate (status and topic null).',
  data: z.object({
    topic: idSchema.nullable(),
    status: z.int().nullable(),
    reason: z.string().min(1),
    /** APNs error body `timestamp` (Unix milliseconds), when APNs sent one. */
    apnsTimestamp: z.int().nullable(),
    /**
     * The device token the push went to (absent when none was tried). Added
     * after v1 shipped, so optional: a refusal condemns this token only, not
     * one a TokenUpdate brought while the push was in flight.
     */
    token: hexBytesSchema.optional(),
  }),
});

export const pushEvents = [PushRequested, PushCertUploaded, PushSent, PushFailed] as const;

/**
 * PushFailed reasons the push service writes when nothing reached APNs; the
 * API maps them to NanoMDM's answers (§3.7), so both sides use these texts.
 */
export const PUSH_FAILURE = {
  /** NanoMDM's per-ID error for an enrollment without a TokenUpdate (§9.1). */
  dataMissing: 'push data missing for id',
  noCertificate: (topic: string) => `no push certificate for topic "${topic}"`,
  tokenInvalid: 'device token refused by APNs since the last TokenUpdate; not pushed until the next one',
} as const;
