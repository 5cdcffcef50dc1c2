// Check-in lifecycle events on mdm.enrollment (NanoMDM §5, §6). The envelope's enrollmentId is
// the enrollment ID (`<device>` or `<device>:<user>`) and deviceId its device-channel ID, so
// data does not repeat them.
import { z } from 'zod';
import { defineEvent, upcaster } from './define-event';
import {
  certificateUseSchema,
  encryptedSecretSchema,
  enrollmentTypeSchema,
  hexBytesSchema,
  idSchema,
  rawBytesSchema,
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
    /** NanoMDM does not require Topic on Authenticate (§6.1); it may be empty. */
    topic: z.string(),
    certificate: certificateUseSchema,
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
    certificate: certificateUseSchema,
    raw: encryptedSecretSchema,
  }),
});

export const EnrollmentCheckedOut = defineEvent({
  type: 'EnrollmentCheckedOut',
  version: 1,
  topic: TOPICS.enrollment,
  requires: subject,
  description: 'CheckOut check-in (§6.3): disables the enrollment; its queue is kept.',
  data: z.object({ certificate: certificateUseSchema, raw: rawBytesSchema }),
});

const userAuthenticatedV1 = z.object({
  digestResponse: z.boolean(),
  userShortName: optionalText,
  userLongName: optionalText,
  certificate: certificateUseSchema,
  raw: rawBytesSchema,
});

export const UserAuthenticated = defineEvent({
  type: 'UserAuthenticated',
  version: 2,
  topic: TOPICS.enrollment,
  requires: subject,
  description:
    'UserAuthenticate check-in (§6.4), first (no DigestResponse) or second message. `stored` is false in the default mode, where NanoMDM answers without storing anything.',
  data: userAuthenticatedV1.extend({ stored: z.boolean() }),
  upcastFrom: [
    // v1 had no `stored`: its projection stored every UserAuthenticate, so old events keep that meaning.
    upcaster({ version: 1, data: userAuthenticatedV1, upcast: (old) => ({ ...old, stored: true }) }),
  ],
});

export const BootstrapTokenSet = defineEvent({
  type: 'BootstrapTokenSet',
  version: 1,
  topic: TOPICS.enrollment,
  requires: subject,
  description:
    'SetBootstrapToken check-in (§6.5). `token` null means cleared. `raw` is sealed because the request carries the token in plain.',
  data: z.object({ token: encryptedSecretSchema.nullable(), certificate: certificateUseSchema, raw: encryptedSecretSchema }),
});

export const BootstrapTokenRetrieved = defineEvent({
  type: 'BootstrapTokenRetrieved',
  version: 1,
  topic: TOPICS.enrollment,
  requires: subject,
  description: 'GetBootstrapToken check-in (§6.6); `found` says whether an escrowed token was returned.',
  data: z.object({ found: z.boolean(), certificate: certificateUseSchema, raw: rawBytesSchema }),
});

export const TokenRequested = defineEvent({
  type: 'TokenRequested',
  version: 1,
  topic: TOPICS.enrollment,
  requires: subject,
  description: 'GetToken check-in (§6.8) answered by a registered handler for its TokenServiceType.',
  data: z.object({ tokenServiceType: idSchema, certificate: certificateUseSchema, raw: rawBytesSchema }),
});

export const enrollmentEvents = [
  EnrollmentAuthenticated,
  TokenUpdated,
  EnrollmentCheckedOut,
  UserAuthenticated,
  BootstrapTokenSet,
  BootstrapTokenRetrieved,
  TokenRequested,
] as const;
