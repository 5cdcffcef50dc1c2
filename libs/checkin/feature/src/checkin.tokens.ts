export { CheckinService } from './checkin.service';

export const CHECKIN_LIMITS = Symbol('espalier.checkin.limits');
/** The -api key when -migration is on, else null (no /migration). */
export const MIGRATION_KEY = Symbol('espalier.checkin.migration-key');
