// Command queue events on mdm.command (NanoMDM §7).
import { z } from 'zod';
import { defineEvent, upcaster } from './define-event';
import { certificateUseSchema, idSchema, rawBytesSchema } from './primitives.schema';
import { TOPICS } from './topics';

const subject = ['enrollmentId', 'deviceId'] as const;
const enrollmentIdsSchema = z.array(idSchema).min(1);

// A submission targets many enrollments (possibly on many devices), so there is no
// device-channel key; the commands service splits it into per-enrollment CommandQueued events
// keyed by device. Keying by commandUuid puts every submission (and rejection) of one UUID on
// one partition, so the duplicate-UUID check (§7.3) sees them in order.
const byCommandUuid = (event: { data: { commandUuid: string } }): string => event.data.commandUuid;
const byCommandUuidRule = 'data.commandUuid: every submission and rejection of one command UUID share a partition';

export const CommandSubmitted = defineEvent({
  type: 'CommandSubmitted',
  version: 1,
  topic: TOPICS.command,
  key: byCommandUuid,
  keyRule: byCommandUuidRule,
  description: 'An operator enqueued a raw command to one or more enrollments (§3.8, §7.1). `payload` is the exact plist.',
  data: z.object({
    commandUuid: idSchema,
    requestType: idSchema,
    payload: rawBytesSchema,
    enrollmentIds: enrollmentIdsSchema,
    noPush: z.boolean(),
    submittedBy: idSchema.optional(),
  }),
});

export const CommandQueued = defineEvent({
  type: 'CommandQueued',
  version: 1,
  topic: TOPICS.command,
  requires: subject,
  description: "The command is in the enrollment's queue and deliverable; push reacts to this unless noPush.",
  data: z.object({ commandUuid: idSchema, requestType: idSchema, noPush: z.boolean() }),
});

export const CommandRejected = defineEvent({
  type: 'CommandRejected',
  version: 1,
  topic: TOPICS.command,
  key: byCommandUuid,
  keyRule: byCommandUuidRule,
  description: 'A submission was refused as a whole (§7.3: a duplicate UUID fails the whole request).',
  data: z.object({
    commandUuid: idSchema,
    reason: z.enum(['duplicate-command-uuid', 'unknown-enrollment', 'invalid-command']),
    detail: z.string(),
    enrollmentIds: enrollmentIdsSchema,
  }),
});

export const CommandDelivered = defineEvent({
  type: 'CommandDelivered',
  version: 1,
  topic: TOPICS.command,
  requires: subject,
  description: 'The command was returned to the device in a ServerURL response (§7.2 step 3).',
  data: z.object({ commandUuid: idSchema }),
});

const errorChainSchema = z
  .array(
    z.object({
      errorCode: z.int(),
      errorDomain: z.string(),
      localizedDescription: z.string().optional(),
      usEnglishDescription: z.string().optional(),
    }),
  )
  .optional();

const commandReportedV1 = z.object({
  commandUuid: idSchema.nullable(),
  status: idSchema,
  errorChain: errorChainSchema,
  notNow: z.boolean(),
  raw: rawBytesSchema,
});

export const CommandReported = defineEvent({
  type: 'CommandReported',
  version: 2,
  topic: TOPICS.command,
  requires: subject,
  description:
    'A command report (§7.2), Idle included (no commandUuid): NanoMDM\'s mdm.Connect. Any status but Idle and NotNow answers the command. `certificate` records the cert-auth association the report was authorised with (§8.4; `retroactive` adds one).',
  data: commandReportedV1.extend({ certificate: certificateUseSchema }),
  upcastFrom: [
    // v1 did not say which certificate authorised the report; such reports made no association.
    upcaster({ version: 1, data: commandReportedV1, upcast: (old) => ({ ...old, certificate: null }) }),
  ],
});

export const QueueCleared = defineEvent({
  type: 'QueueCleared',
  version: 1,
  topic: TOPICS.command,
  requires: ['deviceId'],
  description: 'Unanswered and NotNow queue entries were deactivated for the device and its user channels (§7.5).',
  data: z.object({ enrollmentIds: enrollmentIdsSchema, reason: z.enum(['authenticate', 'operator']) }),
});

export const commandEvents = [CommandSubmitted, CommandQueued, CommandRejected, CommandDelivered, CommandReported, QueueCleared] as const;
