// Enrollment side-facts on mdm.enrollment that are not one check-in message each:
// cert-auth associations (§8.4), last-seen markers (§6.9) and DM passthrough (§6.7).
import { z } from 'zod';
import { defineEvent } from './define-event';
import { idSchema, isoDateTimeSchema, rawBytesSchema, sha256HexSchema } from './primitives.schema';
import { TOPICS } from './topics';

const subject = ['enrollmentId', 'deviceId'] as const;

export const CertificateAssociated = defineEvent({
  type: 'CertificateAssociated',
  version: 1,
  topic: TOPICS.enrollment,
  requires: subject,
  description: 'Cert-auth (§8.4): the certificate hash is now associated with the device-channel ID; `retroactive` when added by -retro.',
  data: z.object({ certHash: sha256HexSchema, retroactive: z.boolean() }),
});

export const EnrollmentSeen = defineEvent({
  type: 'EnrollmentSeen',
  version: 1,
  topic: TOPICS.enrollment,
  requires: subject,
  description: 'last_seen_at marker (§6.9) for a message that updates last-seen but has no event of its own (e.g. GetBootstrapToken).',
  data: z.object({ messageType: idSchema, at: isoDateTimeSchema }),
});

export const DeclarativeManagementRequested = defineEvent({
  type: 'DeclarativeManagementRequested',
  version: 1,
  topic: TOPICS.enrollment,
  requires: subject,
  description: 'DeclarativeManagement check-in (§6.7) forwarded to the DM service.',
  data: z.object({ endpoint: z.string(), raw: rawBytesSchema }),
});

export const enrollmentActivityEvents = [CertificateAssociated, EnrollmentSeen, DeclarativeManagementRequested] as const;
