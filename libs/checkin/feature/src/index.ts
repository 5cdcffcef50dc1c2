export { CheckinModule, CHECKIN_SCHEMA } from './checkin.module';
export { CheckinService, type CheckinRequest, type CheckinServiceOptions } from './checkin.service';
export { TokenHandlerRegistry, type TokenHandler } from './token-handlers';
export { DeclarativeManagementClient } from './declarative-management.client';
