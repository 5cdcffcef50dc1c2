import type { z } from 'zod';

/**
 * The one error a consumer gets for a message it cannot turn into a current-version event
 * (malformed JSON, bad envelope, unknown type, newer version, failed upcast, invalid data).
 * Send the message to the topic's dead-letter topic.
 */
export class EventDecodeError extends Error {
  override readonly name = 'EventDecodeError';

  constructor(
    message: string,
    readonly eventType?: string,
    readonly eventVersion?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Thrown by create/encode: a producer tried to build or write an event the catalog rejects. */
export class EventEncodeError extends Error {
  override readonly name = 'EventEncodeError';
}

/** `data.token: invalid input: expected string, received number; data.raw: …` */
export function describeIssues(error: z.ZodError, prefix?: string): string {
  return error.issues
    .map((issue) => {
      const path = formatPath(prefix === undefined ? issue.path : [prefix, ...issue.path]);
      return `${path === '' ? '' : `${path}: `}${lowerFirst(issue.message)}`;
    })
    .join('; ');
}

function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((out, part) => {
    if (typeof part === 'number') return `${out}[${part}]`;
    return out === '' ? String(part) : `${out}.${String(part)}`;
  }, '');
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}
