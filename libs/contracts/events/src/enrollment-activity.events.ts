// Enrollment side-facts on mdm.enrollment that are not one check-in message each:
// last-seen markers (§6.9) and DM passthrough (§6.7). Cert-auth associations (§8.4) travel
// in each check-in event's `certificate` field.
import { z } from 'zod';
import { defineEvent } from './define-event';
import { certificateUseSchema, idSchema, isoDateTimeSchema, rawBytesSchema } from './primitives.schema';
import { TOPICS } from './topics';

const subject = ['enrollmentId', 'deviceId'] as const;

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
  data: z.object({ endpoint: z.string(), certificate: certificateUseSchema, raw: rawBytesSchema }),
});

export const enrollmentActivityEvents = [EnrollmentSeen, DeclarativeManagementRequested] as const;
