import { signMdmBody, type SignMdmBodyOptions } from './sign-body';
import type { DeviceIdentity } from './test-ca';

export interface DeviceResponse {
  readonly status: number;
  readonly body: Buffer;
  readonly headers: Headers;
}

export interface CheckinOptions {
  readonly path?: string;
  readonly contentType?: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** How to sign (digest, attributes…); defaults to what a current device sends. */
  readonly signing?: SignMdmBodyOptions;
  /** Sends these bytes while the signature covers `body`: a tampered request. */
  readonly sendBody?: Buffer;
  /** Sends no Mdm-Signature header at all. */
  readonly omitSignature?: boolean;
  /** Signs as this identity instead (a device presenting someone else's signature). */
  readonly signAs?: DeviceIdentity;
}

export const CHECKIN_CONTENT_TYPE = 'application/x-apple-aspen-mdm-checkin';
export const REPORT_CONTENT_TYPE = 'application/x-apple-aspen-mdm';

/** A device talking to an MDM server over HTTP the way iOS/macOS do: PUT, exact bytes, signed. */
export class SimulatedDevice {
  constructor(readonly identity: DeviceIdentity) {}

  checkin(baseUrl: string, body: Buffer, options: CheckinOptions = {}): Promise<DeviceResponse> {
    return this.put(baseUrl, body, { contentType: CHECKIN_CONTENT_TYPE, ...options });
  }

  /** A command report (or Idle) to `/mdm`; the response body is the next command, if any. */
  report(baseUrl: string, body: Buffer, options: Omit<CheckinOptions, 'path' | 'contentType'> = {}): Promise<DeviceResponse> {
    return this.put(baseUrl, body, { ...options, path: '/mdm', contentType: REPORT_CONTENT_TYPE });
  }

  private async put(baseUrl: string, body: Buffer, options: CheckinOptions): Promise<DeviceResponse> {
    const headers: Record<string, string> = { 'content-type': options.contentType ?? CHECKIN_CONTENT_TYPE, ...options.headers };
    if (!options.omitSignature) {
      headers['mdm-signature'] = signMdmBody(body, options.signAs ?? this.identity, options.signing);
    }
    const url = new URL(options.path ?? '/mdm', baseUrl);
    const response = await fetch(url, { method: 'PUT', headers, body: options.sendBody ?? body });
    return { status: response.status, body: Buffer.from(await response.arrayBuffer()), headers: response.headers };
  }
}
