const SHORT_ESCAPES: Readonly<Record<string, string>> = {
  '\x07': '\\a', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\v': '\\v', '"': '\\"', '\\': '\\\\',
};
// Go's unicode.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space.
const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;

/**
 * Go's `%q` (strconv.Quote), so error texts that quote a value read as NanoMDM's do. One gap:
 * Go prints invalid UTF-8 bytes as `\xNN`; a JS string has already turned them into U+FFFD.
 */
export function goQuote(text: string): string {
  let quoted = '"';
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    if (SHORT_ESCAPES[char]) quoted += SHORT_ESCAPES[char];
    else if (PRINTABLE.test(char)) quoted += char;
    else if (code < 0x80) quoted += `\\x${hex(code, 2)}`;
    else if (code < 0x10000) quoted += `\\u${hex(code, 4)}`;
    else quoted += `\\U${hex(code, 8)}`;
  }
  return `${quoted}"`;
}

function hex(code: number, width: number): string {
  return code.toString(16).padStart(width, '0');
}
