export { PushCertError } from './push-cert.error';
export { parsePushCertUpload, type PushCertUpload } from './parse-push-cert';
export { notAfterRfc3339 } from './rfc3339';
