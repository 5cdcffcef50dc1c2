import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { escrowRequestFrom, goFormEncode } from './index';

const full = { topic: 'com.apple.mgmt.X', serial: 'C02XK1', productType: 'Mac14,2', orgName: 'Acme & Sons (EU)', guid: 'G-1', escrowKey: 'k+y/=*' };

describe('escrow key unlock request', () => {
  it('encodes as Go: sorted keys, QueryEscape, optional IDs only when given', () => {
    assert.deepStrictEqual(escrowRequestFrom(new URLSearchParams({ ...full, meid: 'M1', imei: '35 2099' })), {
      topic: 'com.apple.mgmt.X',
      query: 'imei=35+2099&meid=M1&productType=Mac14%2C2&serial=C02XK1',
      body: 'escrowKey=k%2By%2F%3D%2A&guid=G-1&orgName=Acme+%26+Sons+%28EU%29',
    });
    assert.equal(goFormEncode({ b: '~ok-_.', a: "!'" }), 'a=%21%27&b=~ok-_.');
  });

  it('refuses missing parameters first, then a missing topic', () => {
    for (const key of ['serial', 'productType', 'orgName', 'guid', 'escrowKey']) {
      const form = new URLSearchParams({ ...full, topic: '' });
      form.delete(key);
      assert.deepStrictEqual(escrowRequestFrom(form), { error: 'invalid or missing parameters' }, key);
    }
    assert.deepStrictEqual(escrowRequestFrom(new URLSearchParams({ ...full, topic: '' })), { error: 'empty topic' });
  });
});
