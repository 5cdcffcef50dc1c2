/**
 * Reads the two fields the upload reports, the Subject's UID attribute and notAfter, straight from
 * the certificate DER. node:crypto's `X509Certificate.subject` is OpenSSL's text rendering, whose
 * escaping of unusual values is not a contract; the DER is. The walk runs only after node:crypto
 * has parsed the certificate, so it meets well-formed DER and only bounds-checks.
 */
const UID_OID = Buffer.from([0x09, 0x92, 0x26, 0x89, 0x93, 0xf2, 0x2c, 0x64, 0x01, 0x01]); // 0.9.2342.19200300.100.1.1
const SEQUENCE = 0x30;
const SET = 0x31;
const OID = 0x06;
const UTC_TIME = 0x17;
const GENERALIZED_TIME = 0x18;
const EXPLICIT_VERSION = 0xa0;

interface Tlv {
  readonly tag: number;
  readonly contentStart: number;
  readonly end: number;
}

export interface CertificateFields {
  /** The first UID attribute's value. */
  readonly uid: string | undefined;
  readonly notAfter: Date;
}

export function certificateFields(der: Uint8Array): CertificateFields {
  const certificate = readTlv(der, 0, der.length);
  const tbs = children(der, children(der, certificate)[0]);
  const fields = tbs[0].tag === EXPLICIT_VERSION ? tbs.slice(1) : tbs;
  // serialNumber, signature, issuer, validity, subject
  const validity = children(der, fields[3]);
  return { uid: firstUid(der, fields[4]), notAfter: readTime(der, validity[1]) };
}

/**
 * Subject.Names in order (multi-valued RDNs flattened), as Go's TopicFromCert walks them. Every
 * value is decoded, not just the UID, because Go's parser refuses a name holding a non-string value.
 */
function firstUid(der: Uint8Array, subject: Tlv): string | undefined {
  let uid: string | undefined;
  for (const rdn of children(der, subject, SET)) {
    for (const attribute of children(der, rdn, SEQUENCE)) {
      const [type, value] = children(der, attribute);
      const text = decodeString(der, value);
      if (uid === undefined && type.tag === OID && Buffer.from(content(der, type)).equals(UID_OID)) uid = text;
    }
  }
  return uid;
}

function decodeString(der: Uint8Array, value: Tlv): string {
  const bytes = Buffer.from(content(der, value));
  switch (value.tag) {
    case 0x0c: // UTF8String
    case 0x12: // NumericString
    case 0x13: // PrintableString
    case 0x16: // IA5String
    case 0x14: // T61String: Go takes the bytes as they are
      return bytes.toString('utf8');
    case 0x1e: // BMPString: UTF-16 big-endian
      return bytes.swap16().toString('utf16le');
    default:
      // Go's x509 parser refuses the whole certificate over a value of any other type.
      throw new RangeError(`unsupported string type in a name: ${value.tag}`);
  }
}

function readTime(der: Uint8Array, tlv: Tlv): Date {
  const text = Buffer.from(content(der, tlv)).toString('latin1');
  const utc = tlv.tag === UTC_TIME ? /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text) : null;
  const generalized = tlv.tag === GENERALIZED_TIME ? /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text) : null;
  const parts = utc ?? generalized;
  if (!parts) throw new RangeError('certificate notAfter is not a UTCTime or GeneralizedTime');
  // RFC 5280 §4.1.2.5.1: two-digit years 50–99 are 19xx, 00–49 are 20xx.
  const year = utc ? (Number(parts[1]) < 50 ? 2000 : 1900) + Number(parts[1]) : Number(parts[1]);
  const [month, day, hour, minute, second] = parts.slice(2, 7).map(Number);
  return new Date(Date.UTC(year, month - 1, day, hour, minute, second));
}

function readTlv(der: Uint8Array, pos: number, limit: number): Tlv {
  if (pos + 2 > limit) throw new RangeError('truncated DER element');
  const tag = der[pos];
  let length = der[pos + 1];
  let contentStart = pos + 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    if (count === 0 || count > 4 || contentStart + count > limit) throw new RangeError('unsupported DER length');
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + der[contentStart++];
  }
  const end = contentStart + length;
  if (end > limit) throw new RangeError('DER element overruns its parent');
  return { tag, contentStart, end };
}

function children(der: Uint8Array, parent: Tlv, expectedTag?: number): Tlv[] {
  const found: Tlv[] = [];
  for (let pos = parent.contentStart; pos < parent.end; ) {
    const child = readTlv(der, pos, parent.end);
    if (expectedTag !== undefined && child.tag !== expectedTag) throw new RangeError('unexpected DER tag');
    found.push(child);
    pos = child.end;
  }
  return found;
}

function content(der: Uint8Array, tlv: Tlv): Uint8Array {
  return der.subarray(tlv.contentStart, tlv.end);
}
