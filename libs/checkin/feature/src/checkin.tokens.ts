export { CheckinService } from './checkin.service';

export const CHECKIN_LIMITS = Symbol('espalier.checkin.limits');
