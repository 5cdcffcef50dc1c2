import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as asn1js from 'asn1js';
import { notAfterRfc3339, parsePushCertUpload, PushCertError } from './index';
import { commonName, createPushIdentity, pemOf, topicUid, UID_OID } from './push-cert.fixtures';

const rsa = createPushIdentity({ subject: [commonName('APSP:rsa'), topicUid('com.apple.mgmt.External.rsa')] });
const ec = createPushIdentity({ keyType: 'ec', subject: [topicUid('com.apple.mgmt.External.ec')] });
const other = createPushIdentity({ subject: [topicUid('com.apple.mgmt.External.other')] });

function rejects(body: string, message: string): void {
  assert.throws(() => parsePushCertUpload(body), (error: unknown) => error instanceof PushCertError && error.message === message);
}

describe('parsePushCertUpload: accepted uploads', () => {
  it('reads topic, notAfter and the two blocks from `cat push.pem push.key` (RSA PKCS#1)', () => {
    const upload = parsePushCertUpload(Buffer.from(rsa.certPem + rsa.keyPems.traditional));
    assert.equal(upload.topic, 'com.apple.mgmt.External.rsa');
    assert.equal(upload.notAfter.toISOString(), '2026-01-07T04:04:46.000Z');
    assert.equal(upload.certificatePem, rsa.certPem);
    assert.equal(upload.privateKeyPem, rsa.keyPems.traditional);
  });

  it('accepts the key first, and a PKCS#8 `PRIVATE KEY`', () => {
    const upload = parsePushCertUpload(rsa.keyPems.pkcs8 + rsa.certPem);
    assert.equal(upload.topic, 'com.apple.mgmt.External.rsa');
    assert.equal(upload.privateKeyPem, rsa.keyPems.pkcs8);
  });

  it('accepts EC keys as `EC PRIVATE KEY` and as PKCS#8', () => {
    assert.equal(parsePushCertUpload(ec.certPem + ec.keyPems.traditional).topic, 'com.apple.mgmt.External.ec');
    assert.equal(parsePushCertUpload(ec.keyPems.pkcs8 + ec.certPem).topic, 'com.apple.mgmt.External.ec');
  });

  it('splits blocks glued without a newline', () => {
    const upload = parsePushCertUpload(rsa.certPem.trimEnd() + rsa.keyPems.traditional);
    assert.equal(upload.certificatePem, rsa.certPem);
  });

  it('keeps the last certificate when there are two', () => {
    assert.equal(parsePushCertUpload(other.certPem + rsa.certPem + rsa.keyPems.traditional).topic, 'com.apple.mgmt.External.rsa');
    rejects(rsa.certPem + other.certPem + rsa.keyPems.traditional, 'tls: private key does not match public key');
  });

  it('keeps the last key when there are two', () => {
    assert.equal(parsePushCertUpload(other.keyPems.traditional + rsa.keyPems.pkcs8 + rsa.certPem).privateKeyPem, rsa.keyPems.pkcs8);
  });

  it('ignores text before, between and after the blocks (Go pem.Decode skips to the next BEGIN)', () => {
    const upload = parsePushCertUpload(`Bag Attributes\n${rsa.certPem}subject=/UID=x\n${rsa.keyPems.traditional}trailing garbage`);
    assert.equal(upload.topic, 'com.apple.mgmt.External.rsa');
  });

  it('accepts CRLF line ends and re-encodes with LF', () => {
    const upload = parsePushCertUpload((rsa.certPem + rsa.keyPems.traditional).replaceAll('\n', '\r\n'));
    assert.equal(upload.certificatePem, rsa.certPem);
  });

  it('takes the first UID when the subject has several', () => {
    const two = createPushIdentity({ subject: [topicUid('com.apple.mgmt.first'), topicUid('org.example.second')] });
    assert.equal(parsePushCertUpload(two.certPem + two.keyPems.traditional).topic, 'com.apple.mgmt.first');
  });

  it('keeps a key with Proc-Type but no DEK-Info (Go only looks for DEK-Info), headers included', () => {
    const der = Buffer.from(rsa.keyPems.traditional.replace(/-----[^-]+-----|\s/g, ''), 'base64');
    const keyPem = pemOf('RSA PRIVATE KEY', der, 'Proc-Type: 4,ENCRYPTED\n\n');
    assert.equal(parsePushCertUpload(rsa.certPem + keyPem).privateKeyPem, keyPem);
  });
});

describe('parsePushCertUpload: rejected uploads (NanoMDM messages)', () => {
  it('refuses a legacy-encrypted key', () => {
    const der = Buffer.from(rsa.keyPems.traditional.replace(/-----[^-]+-----|\s/g, ''), 'base64');
    const encrypted = pemOf('RSA PRIVATE KEY', der, 'Proc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,0123456789ABCDEF0123456789ABCDEF\n\n');
    rejects(rsa.certPem + encrypted, 'private key PEM appears to be encrypted');
  });

  it('refuses any other block type, even with a good pair around it', () => {
    rejects(rsa.certPem + pemOf('PUBLIC KEY', Buffer.from('x')) + rsa.keyPems.traditional, 'unrecognized PEM type: "PUBLIC KEY"');
    rejects(pemOf('ENCRYPTED PRIVATE KEYS', Buffer.from('x')), 'unrecognized PEM type: "ENCRYPTED PRIVATE KEYS"');
  });

  it('refuses a key that is not the certificate\'s', () => {
    rejects(rsa.certPem + other.keyPems.traditional, 'tls: private key does not match public key');
    rejects(rsa.certPem + ec.keyPems.traditional, 'tls: private key type does not match public key type');
  });

  it('refuses an upload without a certificate or without a key', () => {
    rejects('', 'tls: failed to find any PEM data in certificate input');
    rejects('not pem at all', 'tls: failed to find any PEM data in certificate input');
    rejects(rsa.keyPems.traditional, 'tls: failed to find any PEM data in certificate input');
    rejects(rsa.certPem, 'tls: failed to find any PEM data in key input');
  });

  it('skips a block whose base64 is broken, as Go does', () => {
    rejects(rsa.certPem.replace(/\n[A-Za-z0-9+/]{10}/, '\n!!!!!!!!!!') + rsa.keyPems.traditional, 'tls: failed to find any PEM data in certificate input');
  });

  it('refuses key bytes that parse as no known key encoding', () => {
    rejects(rsa.certPem + pemOf('PRIVATE KEY', Buffer.from('not a key')), 'tls: failed to parse private key');
  });

  it('refuses certificate bytes that do not parse', () => {
    rejects(pemOf('CERTIFICATE', Buffer.from('not a certificate')) + rsa.keyPems.traditional, 'x509: malformed certificate');
  });

  it('refuses a UID that is not an MDM push topic, quoting it as Go %q does', () => {
    const web = createPushIdentity({ subject: [topicUid('com.example.web\n')] });
    rejects(web.certPem + web.keyPems.traditional, 'invalid APNs Topic: "com.example.web\\n"');
  });

  it('decides on the first UID even when a later one would do', () => {
    const two = createPushIdentity({ subject: [topicUid('org.example'), topicUid('com.apple.mgmt.second')] });
    rejects(two.certPem + two.keyPems.traditional, 'invalid APNs Topic: "org.example"');
  });

  it('refuses a certificate without a UID', () => {
    const none = createPushIdentity({ subject: [commonName('com.apple.mgmt.External.cn')] });
    rejects(none.certPem + none.keyPems.traditional, 'no APNs Topic found');
  });

  it('reads a UID held as PrintableString; a value of a type Go cannot read as a string fails the certificate', () => {
    const printable = createPushIdentity({ subject: [[UID_OID, new asn1js.PrintableString({ value: 'com.apple.mgmt.p' })]] });
    assert.equal(parsePushCertUpload(printable.certPem + printable.keyPems.traditional).topic, 'com.apple.mgmt.p');
    const visible = createPushIdentity({ subject: [[UID_OID, new asn1js.VisibleString({ value: 'com.apple.mgmt.v' })]] });
    rejects(visible.certPem + visible.keyPems.traditional, 'x509: malformed certificate');
  });
});

describe('notAfterRfc3339', () => {
  it('writes Go RFC 3339 in UTC with whole seconds', () => {
    assert.equal(notAfterRfc3339(new Date(Date.UTC(2026, 0, 7, 4, 4, 46))), '2026-01-07T04:04:46Z');
    assert.equal(notAfterRfc3339(parsePushCertUpload(rsa.certPem + rsa.keyPems.traditional).notAfter), '2026-01-07T04:04:46Z');
  });
});
