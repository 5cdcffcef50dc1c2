export { startFakeEscrow, type FakeEscrow, type FakeEscrowRequest } from './fake-escrow';
export { startFakeApns, type FakeApns, type FakeApnsOptions, type FakeApnsRequest, type FakeReplier } from './fake-apns';
export type { FakeReply } from './fake-reply';
export {
  issuePushCertificate,
  pushCaPem,
  type IssuePushCertificateOptions,
  type PushCertificate,
} from './push-certificate';
