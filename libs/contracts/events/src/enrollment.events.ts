// Check-in lifecycle events on mdm.enrollment (NanoMDM §5, §6). The envelope's enrollmentId is
// the enrollment ID (`<device>` or `<device>:<user>`) and deviceId its device-channel ID, so
// data does not repeat them.
import { z } from 'zod';
import { defineEvent } from './define-event';
import {
  encryptedSecretSchema,
  enrollmentTypeSchema,
  hexBytesSchema,
  idSchema,
  rawBytesSchema,
  sha256HexSchema,
} from './primitives.schema';
import { TOPICS } from './topics';

const subject = ['enrollmentId', 'deviceId'] as const;
const optionalText = z.string().optional();

export const EnrollmentAuthenticated = defineEvent({
  type: 'EnrollmentAuthenticated',
  version: 1,
  topic: TOPICS.enrollment,
  requires: subject,
  description: 'Authenticate check-in (§6.1): the device (re-)enrolled; its queues are cleared and its enrollments disabled until TokenUpdate.',
  data: z.object({
    enrollmentType: enrollmentTypeSchema,
    udid: optionalText,
    serialNumber: optionalText,
    model: optionalText,
    modelName: optionalText,
    productName: optionalText,
    osVersion: optionalText,
    buildVersion: optionalText,
    deviceName: optionalText,
    imei: optionalText,
    meid: optionalText,
    topic: idSchema,
    certificateHash: sha256HexSchema.optional(),
    raw: rawBytesSchema,
  }),
});

export const TokenUpdated = defineEvent({
  type: 'TokenUpdated',
  version: 1,
  topic: TOPICS.enrollment,
  requires: subject,
  description:
    'TokenUpdate check-in (§6.2): push data for the enrollment; enables it. `raw` is sealed because the request carries the UnlockToken in plain.',
  data: z.object({
    enrollmentType: enrollmentTypeSchema,
    /** Device-channel ID for user channels, null for a device channel. */
    parentId: idSchema.nullable(),
    userShortName: optionalText,
    userLongName: optionalText,
    pushTopic: idSchema,
    token: hexBytesSchema,
    pushMagic: idSchema,
    unlockToken: encryptedSecretSchema.optional(),
    awaitingConfiguration: z.boolean().optional(),
    raw: encryptedSecretSchema,
  }),
});

export const EnrollmentCheckedOut = defineEvent({
  type: 'EnrollmentCheckedOut',
  version: 1,
  topic: TOPICS.enrollment,
  requires: subject,
  description: 'CheckOut check-in (§6.3): disables the enrollment; its queue is kept.',
  data: z.object({ raw: rawBytesSchema }),
});

export const UserAuthenticated = defineEvent({
  type: 'UserAuthenticated',
  version: 1,
  topic: TOPICS.enrollment,
  requires: subject,
  description: 'UserAuthenticate check-in (§6.4), first (no DigestResponse) or second message.',
  data: z.object({ digestResponse: z.boolean(), raw: rawBytesSchema }),
});

export const BootstrapTokenSet = defineEvent({
  type: 'BootstrapTokenSet',
  version: 1,
  topic: TOPICS.enrollment,
  requires: subject,
  description:
    'SetBootstrapToken check-in (§6.5). `token` null means cleared. `raw` is sealed because the request carries the token in plain.',
  data: z.object({ token: encryptedSecretSchema.nullable(), raw: encryptedSecretSchema }),
});

export const enrollmentEvents = [EnrollmentAuthenticated, TokenUpdated, EnrollmentCheckedOut, UserAuthenticated, BootstrapTokenSet] as const;
