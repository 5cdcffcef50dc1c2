/**
 * The one error for every device-certificate failure: bad Mdm-Signature, missing or untrusted
 * certificate. Always 400, never 401: NanoMDM chose 400 on purpose because a 401 can make a device
 * unenroll (nanomdm-behavior §8.3, §15.1). Association failures are not this error (they are 500).
 */
export class DeviceCertError extends Error {
  readonly status = 400;

  constructor(message: string) {
    super(message);
    this.name = 'DeviceCertError';
  }
}
