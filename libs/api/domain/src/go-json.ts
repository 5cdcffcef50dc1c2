/**
 * JSON as NanoMDM's API writes it (Go's json.Encoder with SetIndent("", "\t")):
 * tab-indented, a trailing newline, and `<`, `>`, `&`, U+2028, U+2029 escaped
 * as \u003c etc. (Go's HTML-safe default). Key order is the object's: callers
 * build objects in Go's struct order and omit empty fields themselves.
 */
export function goJson(value: unknown): string {
  return `${JSON.stringify(value, null, '\t').replace(/[<>&\u2028\u2029]/g, goEscape)}\n`;
}

function goEscape(c: string): string {
  return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
}
