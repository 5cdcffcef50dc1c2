export { PushModule, PUSH_SCHEMA } from './push.module';
export { PUSH_GROUP } from './push.host';
