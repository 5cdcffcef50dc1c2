import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'plist';
import { bootstrapTokenReply, digestChallengeReply, tokenDataReply } from './replies';

const HEADER = '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">\n';

describe('reply bodies', () => {
  it('writes the zero-length DigestChallenge of §6.4 byte for byte', () => {
    const expected =
      HEADER + '<plist version="1.0">\n<dict>\n\t<key>DigestChallenge</key>\n\t<string></string>\n</dict>\n</plist>';
    assert.equal(digestChallengeReply().toString('utf8'), expected);
    assert.deepEqual(parse(digestChallengeReply().toString('utf8')), { DigestChallenge: '' });
  });

  it('writes the GetBootstrapToken reply as Go plist.Marshal does (§6.6)', () => {
    const token = Buffer.from('bootstrap-token-bytes');
    assert.equal(
      bootstrapTokenReply(token).toString('utf8'),
      `${HEADER}<plist version="1.0"><dict><key>BootstrapToken</key><data>Ym9vdHN0cmFwLXRva2VuLWJ5dGVz</data></dict></plist>\n`,
    );
    assert.deepEqual(parse(bootstrapTokenReply(token).toString('utf8')), { BootstrapToken: token });
  });

  it('writes an escrowed empty token as empty <data></data>', () => {
    assert.match(bootstrapTokenReply(Buffer.alloc(0)).toString('utf8'), /<data><\/data>/);
  });

  it('writes the GetToken reply in the same form', () => {
    assert.equal(tokenDataReply(Buffer.from([0xff, 0x00])).toString('utf8'), `${HEADER}<plist version="1.0"><dict><key>TokenData</key><data>/wA=</data></dict></plist>\n`);
  });
});
