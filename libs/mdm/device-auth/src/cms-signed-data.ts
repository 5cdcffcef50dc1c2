import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { CMS_OID } from './cms-algorithms';
import { DeviceCertError } from './device-cert.error';

/** The parts of a detached CMS SignedData that Mdm-Signature verification needs. */
export interface SignedDataParts {
  /** Each certificate's exact DER as sent (hashed for the cache, never re-encoded). */
  readonly certificates: readonly Uint8Array[];
  readonly signerInfos: readonly pkijs.SignerInfo[];
}

/**
 * Parses ContentInfo → SignedData with asn1js/pkijs, but deliberately NOT with
 * `new pkijs.SignedData()`: that builds a pkijs Certificate for every embedded certificate
 * (~1 ms each on this machine) on every request. Certificates are kept as raw DER and parsed
 * once per distinct certificate by signer-certificate.ts. The embedded content, if any, is
 * ignored: like NanoMDM, the HTTP body is always the signed content.
 */
export function parseSignedData(der: Uint8Array): SignedDataParts {
  const parsed = asn1js.fromBER(der);
  // Trailing bytes after the ContentInfo are refused, as Go's pkcs7.Parse does.
  if (parsed.offset === -1 || parsed.offset !== der.byteLength) throw malformed('not a DER/BER structure');
  let contentInfo: pkijs.ContentInfo;
  try {
    contentInfo = new pkijs.ContentInfo({ schema: parsed.result });
  } catch {
    throw malformed('not a CMS ContentInfo');
  }
  if (contentInfo.contentType !== CMS_OID.signedData) throw malformed(`content type ${contentInfo.contentType} is not SignedData`);
  return signedDataParts(contentInfo.content);
}

/** SignedData ::= SEQUENCE { version, digestAlgorithms, encapContentInfo, [0] certificates OPTIONAL, [1] crls OPTIONAL, signerInfos } */
function signedDataParts(block: unknown): SignedDataParts {
  if (!(block instanceof asn1js.Sequence)) throw malformed('SignedData is not a SEQUENCE');
  const [version, digestAlgorithms, encapContentInfo, ...rest] = block.valueBlock.value;
  const signerInfoSet = rest.pop();
  if (!(version instanceof asn1js.Integer) || !(digestAlgorithms instanceof asn1js.Set)) throw malformed('bad SignedData header');
  if (!(encapContentInfo instanceof asn1js.Sequence) || !(signerInfoSet instanceof asn1js.Set)) throw malformed('bad SignedData body');
  let certificates: Uint8Array[] = [];
  let next = 0; // [0] then [1], each at most once
  for (const optional of rest) {
    const tag = optional.idBlock;
    if (tag.tagClass !== 3 || tag.tagNumber < next || tag.tagNumber > 1) throw malformed('unexpected field in SignedData');
    next = tag.tagNumber + 1;
    if (tag.tagNumber === 0) certificates = certificateSet(optional);
  }
  return { certificates, signerInfos: signerInfoSet.valueBlock.value.map(signerInfo) };
}

function certificateSet(block: asn1js.BaseBlock): Uint8Array[] {
  if (!(block instanceof asn1js.Constructed)) throw malformed('certificates is not a SET');
  // Only plain X.509 certificates (SEQUENCE); attribute/other certificate choices are refused.
  return block.valueBlock.value.map((cert) => {
    if (!(cert instanceof asn1js.Sequence)) throw malformed('certificate set holds a non-X.509 certificate');
    return cert.valueBeforeDecodeView;
  });
}

function signerInfo(block: asn1js.BaseBlock): pkijs.SignerInfo {
  try {
    return new pkijs.SignerInfo({ schema: block });
  } catch {
    throw malformed('malformed SignerInfo');
  }
}

function malformed(reason: string): DeviceCertError {
  return new DeviceCertError(`verifying Mdm-Signature: ${reason}`);
}
