/** Resolves once the service's schema is migrated and its projection runners started. */
export interface StorageReady {
  readonly ready: Promise<void>;
  markReady(): void;
}

export function storageReady(): StorageReady {
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => {
    markReady = resolve;
  });
  return { ready, markReady };
}
