import { goQuote } from './go-quote';
import { decodePem, type PemBlock } from './pem-decode';
import { PushCertError } from './push-cert.error';

export interface CertAndKeyBlocks {
  readonly certificate?: PemBlock;
  readonly privateKey?: PemBlock;
}

/**
 * NanoMDM's readPEMCertAndKey: the upload is `cat push.pem push.key`, in either order. The last
 * CERTIFICATE and the last key block win; any other block type ends the walk with an error.
 */
export function readCertAndKey(body: Buffer | string): CertAndKeyBlocks {
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  // Files concatenated without a trailing newline glue "-----END …----------BEGIN …-----".
  let rest = bytes.toString('latin1').replaceAll('----------', '-----\n-----');
  let certificate: PemBlock | undefined;
  let privateKey: PemBlock | undefined;
  for (let next = decodePem(rest); next; next = decodePem(rest)) {
    const { block } = next;
    rest = next.rest;
    if (block.type === 'CERTIFICATE') certificate = block;
    else if (block.type === 'PRIVATE KEY' || block.type.endsWith(' PRIVATE KEY')) privateKey = keyBlock(block);
    else throw new PushCertError(`unrecognized PEM type: ${goQuote(latin1ToText(block.type))}`);
  }
  return { certificate, privateKey };
}

/** Go's x509.IsEncryptedPEMBlock looks only for a DEK-Info header (RFC 1423 legacy encryption). */
function keyBlock(block: PemBlock): PemBlock {
  if (block.headers.has('DEK-Info')) throw new PushCertError('private key PEM appears to be encrypted');
  return block;
}

/** The decoder works on latin1 (one char per byte); messages want the UTF-8 text back. */
function latin1ToText(text: string): string {
  return Buffer.from(text, 'latin1').toString('utf8');
}
