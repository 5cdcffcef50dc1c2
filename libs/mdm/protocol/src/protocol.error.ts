/**
 * The one error the protocol layer throws. The HTTP handler maps it to a
 * status and nothing else, as NanoMDM's handler does (§3.3, §15.1):
 * undecodable bodies are the device's fault (400); an enrollment that cannot
 * be identified or an invalid GetToken is a server-side failure in NanoMDM's
 * terms (500) — keep that mapping, devices and conformance tests rely on it.
 */
export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';

  constructor(
    readonly status: 400 | 500,
    message: string,
  ) {
    super(message);
  }
}

/** A 400 for a body that does not decode. */
export const badRequest = (message: string): ProtocolError => new ProtocolError(400, message);
