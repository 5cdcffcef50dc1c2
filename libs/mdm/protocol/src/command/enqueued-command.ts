import { badRequest } from '../protocol.error';
import { parsePlistDict } from '../plist/parse-plist';
import { field } from '../plist/plist-fields';

const CONTEXT = 'decoding command';

/** What the queue needs from a command plist; the plist itself is stored and served byte-for-byte (§15.26). */
export interface EnqueuedCommand {
  readonly commandUuid: string;
  readonly requestType: string;
}

/**
 * Validates a command submitted for enqueueing (§4): `CommandUUID` and
 * `Command.RequestType` are required and non-empty. This is a 400-class
 * ProtocolError; NanoMDM's enqueue API answers an invalid command with 500
 * (§15.9), and that mapping belongs to the API layer.
 */
export function decodeEnqueuedCommand(body: Buffer): EnqueuedCommand {
  const dict = parsePlistDict(body, CONTEXT);
  const commandUuid = field(dict, 'CommandUUID', 'string', CONTEXT) ?? '';
  if (commandUuid === '') throw badRequest(`${CONTEXT}: empty CommandUUID`);
  const command = field(dict, 'Command', 'dict', CONTEXT);
  if (command === undefined) throw badRequest(`${CONTEXT}: missing Command dict`);
  const requestType = field(command, 'RequestType', 'string', CONTEXT) ?? '';
  if (requestType === '') throw badRequest(`${CONTEXT}: empty RequestType`);
  return { commandUuid, requestType };
}
