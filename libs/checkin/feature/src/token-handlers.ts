import type { GetTokenMessage } from './checkin-types';

/** Produces the TokenData for one TokenServiceType (§6.8), e.g. a watch-pairing or MAID token service. */
export interface TokenHandler {
  readonly tokenServiceType: string;
  tokenData(message: GetTokenMessage, enrollmentId: string): Promise<Buffer>;
}

/**
 * GetToken handlers by TokenServiceType. Empty unless a deployment registers
 * handlers, as in NanoMDM's stock binary: then every GetToken is a 500
 * naming the type.
 */
export class TokenHandlerRegistry {
  private readonly handlers = new Map<string, TokenHandler>();

  constructor(handlers: readonly TokenHandler[] = []) {
    for (const h of handlers) this.register(h);
  }

  register(handler: TokenHandler): void {
    if (this.handlers.has(handler.tokenServiceType)) throw new Error(`get token: a handler for "${handler.tokenServiceType}" is already registered`);
    this.handlers.set(handler.tokenServiceType, handler);
  }

  has(tokenServiceType: string): boolean {
    return this.handlers.has(tokenServiceType);
  }

  get(tokenServiceType: string): TokenHandler | undefined {
    return this.handlers.get(tokenServiceType);
  }
}
