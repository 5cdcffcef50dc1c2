import { certificateFromHeader } from './cert-header';
import type { DeviceCertVerifier, VerifiedCert } from './cert-verifier';
import { DeviceCertError } from './device-cert.error';
import { signerFromMdmSignature } from './mdm-signature';

export interface DeviceAuthenticatorOptions {
  readonly verifier: DeviceCertVerifier;
  /**
   * Name of a header a TLS-terminating proxy sets with the client certificate (NanoMDM
   * `-cert-header`). When set, Mdm-Signature is ignored entirely: the proxy's mTLS handshake is
   * the proof of key possession, so the proxy MUST strip this header from incoming requests.
   */
  readonly certHeader?: string;
}

export type RequestHeaders = Readonly<Record<string, string | string[] | undefined>>;

const MDM_SIGNATURE = 'mdm-signature';

/** Finds the device's certificate on a request and verifies it: the MDM-authenticated routes' gate. */
export class DeviceAuthenticator {
  private readonly verifier: DeviceCertVerifier;
  private readonly certHeader?: string;

  constructor(options: DeviceAuthenticatorOptions) {
    this.verifier = options.verifier;
    this.certHeader = options.certHeader?.toLowerCase();
  }

  /** `body` must be the exact request bytes: they are what the device signed. */
  async authenticate(headers: RequestHeaders, body: Buffer): Promise<VerifiedCert> {
    const der = this.certHeader ? this.fromProxyHeader(headers) : await fromMdmSignature(headers, body);
    return this.verifier.verify(der);
  }

  private fromProxyHeader(headers: RequestHeaders): Buffer {
    const found = certificateFromHeader(header(headers, this.certHeader as string));
    if (found === null) throw missing();
    // NanoMDM logs an unparsable header and goes on without a certificate; the reason helps here.
    if ('error' in found) throw missing(`${this.certHeader} header: ${found.error}`);
    return found.der;
  }
}

async function fromMdmSignature(headers: RequestHeaders, body: Buffer): Promise<Buffer> {
  const value = header(headers, MDM_SIGNATURE);
  if (!value) throw missing();
  return signerFromMdmSignature(value, body);
}

/** Case-insensitive lookup; with a repeated header the first value counts, as Go's Header.Get. */
function header(headers: RequestHeaders, lowerName: string): string | undefined {
  for (const [name, value] of Object.entries(headers)) {
    if (name.toLowerCase() !== lowerName) continue;
    return Array.isArray(value) ? value[0] : value;
  }
  return undefined;
}

function missing(detail?: string): DeviceCertError {
  const base = 'verifying device certificate: missing MDM certificate';
  return new DeviceCertError(detail ? `${base} (${detail})` : base);
}
