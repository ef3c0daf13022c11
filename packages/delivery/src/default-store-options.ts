import { silentLogger } from '@ccx-hook/hook-client';
import type { StoreOptions } from './delivery-store.js';

/** `store.timeout`'s default, and a store that reports nothing (operator commands, tests). */
export const defaultStoreOptions: StoreOptions = {
  timeoutMs: 5_000,
  logger: silentLogger,
};
