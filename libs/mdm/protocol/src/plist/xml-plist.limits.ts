/**
 * Bounds shared by the XML plist parser and its fast path, so the fast path
 * can never accept a body the DOM path would refuse for its size.
 */

/** Same depth bound as the binary parser and micromdm/plist. */
export const MAX_DEPTH = 128;
/** Elements (keys included) one body may hold. */
export const MAX_ELEMENTS = 1 << 20;
/** "<" characters one body may hold, counted before xmldom builds a DOM: every element costs at least one. */
export const MAX_TAGS = 2 * MAX_ELEMENTS + 64;
