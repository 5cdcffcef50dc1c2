import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { goJsonObject, goJsonString } from './go-json';

describe("goJsonString: Go's encoding/json string encoding", () => {
  it('escapes <, >, &, U+2028 and U+2029 as Go does, the rest as JSON.stringify', () => {
    assert.equal(goJsonString('a<b>c&d\u2028e\u2029'), '"a\\u003cb\\u003ec\\u0026d\\u2028e\\u2029"');
    assert.equal(goJsonString('tab\tnl\n"q"\\é😀'), JSON.stringify('tab\tnl\n"q"\\é😀'));
  });

  it('replaces lone surrogates with U+FFFD (Go replaces invalid UTF-8)', () => {
    assert.equal(goJsonString('a\ud800b\udc00'), '"a\ufffdb\ufffd"');
    assert.equal(goJsonString('\\ud800'), '"\\\\ud800"');
  });

  it('leaves absent fields out of an object, keeping the given order', () => {
    assert.equal(goJsonObject([['b', '1'], ['a', undefined], ['c', '"x"']]), '{"b":1,"c":"x"}');
  });
});
