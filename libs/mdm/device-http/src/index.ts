export { bodyReply, errorReply, send, type DeviceReply } from './http-reply';
export { PayloadTooLargeError, readBody } from './request-body';
export { TooLargeError, UnavailableError, unavailableOnError, withTimeout } from './dependency-errors';
export { readDeviceCa, type DeviceCaPaths, type DeviceCaPems } from './device-ca';
export { checkBodyLimit } from './body-limit';
