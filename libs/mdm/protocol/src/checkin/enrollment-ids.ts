import type { PlistDict } from '../plist/plist-value';
import { field } from '../plist/plist-fields';

/**
 * The enrollment keys every check-in and command report may carry (§4).
 * Present only when the body has them; an empty string stays an empty
 * string here — resolveEnrollment treats it as absent, as Go does.
 */
export interface EnrollmentIds {
  readonly udid?: string;
  readonly userId?: string;
  readonly userShortName?: string;
  readonly userLongName?: string;
  readonly enrollmentId?: string;
  readonly enrollmentUserId?: string;
}

const KEYS = {
  udid: 'UDID',
  userId: 'UserID',
  userShortName: 'UserShortName',
  userLongName: 'UserLongName',
  enrollmentId: 'EnrollmentID',
  enrollmentUserId: 'EnrollmentUserID',
} as const satisfies Record<keyof EnrollmentIds, string>;

export function readEnrollmentIds(dict: PlistDict, context: string): EnrollmentIds {
  const ids: { -readonly [K in keyof EnrollmentIds]: string } = {};
  for (const [name, key] of Object.entries(KEYS) as [keyof EnrollmentIds, string][]) {
    const value = field(dict, key, 'string', context);
    if (value !== undefined) ids[name] = value;
  }
  return ids;
}
