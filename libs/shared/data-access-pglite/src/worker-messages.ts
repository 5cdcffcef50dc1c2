/** What the embedded server's thread tells its parent. */
export type FromWorker =
  | { readonly kind: 'ready'; readonly connectionString: string }
  | { readonly kind: 'closed' }
  | { readonly kind: 'failed'; readonly message: string }
  | { readonly kind: 'log'; readonly level: 'info' | 'warn' | 'error'; readonly obj: object; readonly msg: string };

/** What the parent tells it. */
export type ToWorker = { readonly kind: 'close' };
