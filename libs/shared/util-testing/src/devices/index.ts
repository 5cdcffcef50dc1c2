export {
  createTestCa,
  issueDeviceIdentity,
  type CreateTestCaOptions,
  type DeviceIdentity,
  type IssueDeviceIdentityOptions,
  type TestCa,
  type TestEku,
  type TestIssuer,
  type TestKeyType,
} from './test-ca';
export { signMdmBody, type MdmDigest, type SignMdmBodyOptions } from './sign-body';
export {
  CHECKIN_CONTENT_TYPE,
  REPORT_CONTENT_TYPE,
  SimulatedDevice,
  type CheckinOptions,
  type DeviceResponse,
} from './simulated-device';
export { certificateDerToPem } from './pem';
