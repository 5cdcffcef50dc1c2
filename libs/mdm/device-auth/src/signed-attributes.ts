import * as asn1js from 'asn1js';
import type * as pkijs from 'pkijs';
import { CMS_OID } from './cms-algorithms';
import { DeviceCertError } from './device-cert.error';

export interface SignedAttributes {
  /** The attributes' DER re-tagged as SET OF (0x31): the bytes the signature covers (RFC 5652 §5.4). */
  readonly signedBytes: Buffer;
  readonly messageDigest: Uint8Array;
  readonly signingTime?: Date;
}

/**
 * Reads the signed attributes from the bytes as received: re-encoding them could change the
 * bytes (e.g. attribute order) and break a valid signature, or hide a tampered encoding.
 */
export function readSignedAttributes(attrs: pkijs.SignedAndUnsignedAttributes): SignedAttributes {
  const signedBytes = Buffer.from(new Uint8Array(attrs.encodedValue)); // a copy: pkijs keeps the original
  signedBytes[0] = 0x31;
  const digest = singleValue(attrs, CMS_OID.messageDigest, 'message digest');
  if (!digest) throw invalid('signed attributes lack the message digest');
  if (!(digest instanceof asn1js.OctetString)) throw invalid('message digest is not an OCTET STRING');
  const time = singleValue(attrs, CMS_OID.signingTime, 'signing time');
  return { signedBytes, messageDigest: digest.valueBlock.valueHexView, signingTime: time === undefined ? undefined : signingTime(time) };
}

/** An attribute may appear at most once, with exactly one value (RFC 5652 §11.2, §11.3). */
function singleValue(attrs: pkijs.SignedAndUnsignedAttributes, oid: string, name: string): unknown {
  const found = attrs.attributes.filter((a) => a.type === oid);
  if (found.length === 0) return undefined;
  if (found.length > 1 || found[0].values.length !== 1) throw invalid(`${name} attribute must have exactly one value`);
  return found[0].values[0];
}

function signingTime(value: unknown): Date {
  if (value instanceof asn1js.UTCTime || value instanceof asn1js.GeneralizedTime) return value.toDate();
  throw invalid('signing time is neither UTCTime nor GeneralizedTime');
}

function invalid(reason: string): DeviceCertError {
  return new DeviceCertError(`verifying Mdm-Signature: ${reason}`);
}
