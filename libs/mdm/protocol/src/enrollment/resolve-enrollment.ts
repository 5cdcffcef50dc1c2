import { ProtocolError } from '../protocol.error';
import type { EnrollmentIds } from '../checkin/enrollment-ids';

/** The type strings NanoMDM stores and sends (§5), in its internal order 1..5. */
export const ENROLLMENT_TYPES = ['Device', 'User', 'User Enrollment (Device)', 'User Enrollment', 'Shared iPad'] as const;
export type EnrollmentType = (typeof ENROLLMENT_TYPES)[number];

/** Shared iPad sends this UserID: no user authentication happens, the Managed Apple Account is in UserShortName. */
export const SHARED_IPAD_USER_ID = 'FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF';

export interface ResolvedEnrollment {
  /** `<device>` or `<device>:<user>`: the key for storage, queue, API paths and webhooks. Case kept as sent. */
  readonly id: string;
  readonly type: EnrollmentType;
  /** What cert-auth keys on, for user channels too (§5, §8.4). */
  readonly deviceChannelId: string;
  /** The device channel for a user channel; null for a device channel. */
  readonly parentId: string | null;
  readonly userChannelId?: string;
  readonly userShortName?: string;
  readonly userLongName?: string;
}

/**
 * NanoMDM's enrollment normalization (§5), first match wins: a non-empty
 * UDID beats EnrollmentID; UserID/EnrollmentUserID make it a user channel.
 * Empty strings count as absent (Go's zero value). A Shared iPad user with
 * an empty UserShortName resolves to `<UDID>:` — NanoMDM accepts that.
 */
export function resolveEnrollment(ids: EnrollmentIds): ResolvedEnrollment {
  if (ids.udid) {
    if (!ids.userId) return device(ids.udid, 'Device');
    const sharedIpad = ids.userId === SHARED_IPAD_USER_ID;
    return user(ids, ids.udid, sharedIpad ? (ids.userShortName ?? '') : ids.userId, sharedIpad ? 'Shared iPad' : 'User');
  }
  if (ids.enrollmentId) {
    if (!ids.enrollmentUserId) return device(ids.enrollmentId, 'User Enrollment (Device)');
    return user(ids, ids.enrollmentId, ids.enrollmentUserId, 'User Enrollment');
  }
  throw new ProtocolError(500, 'resolving enrollment: neither UDID nor EnrollmentID');
}

function device(id: string, type: EnrollmentType): ResolvedEnrollment {
  return { id, type, deviceChannelId: id, parentId: null };
}

function user(ids: EnrollmentIds, deviceChannelId: string, userChannelId: string, type: EnrollmentType): ResolvedEnrollment {
  return {
    id: `${deviceChannelId}:${userChannelId}`,
    type,
    deviceChannelId,
    parentId: deviceChannelId,
    userChannelId,
    ...(ids.userShortName && { userShortName: ids.userShortName }),
    ...(ids.userLongName && { userLongName: ids.userLongName }),
  };
}
