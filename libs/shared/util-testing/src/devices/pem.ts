import { randomBytes } from 'node:crypto';

/** PEM armour for a DER certificate, 64 characters a line like OpenSSL writes it. */
export function certificateDerToPem(der: Buffer): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`;
}

/** A positive serial (leading 0x01 keeps the top bit clear) so DER stays minimal and unambiguous. */
export function serialHex(): string {
  return `01${randomBytes(8).toString('hex')}`;
}
