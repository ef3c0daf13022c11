/** Thrown by a store when it cannot take or read deliveries (disk full, file locked, closed). */
export class StoreError extends Error {
  override readonly name = 'StoreError';
  readonly code = 'ERR_STORE';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** Thrown by `openStore` for a `store.url` it cannot use. */
export class StoreUrlError extends Error {
  override readonly name = 'StoreUrlError';
  readonly code = 'ERR_STORE_URL';
}
