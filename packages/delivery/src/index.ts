export type {
  AttemptOutcome,
  AttemptRecord,
  BlockedCluster,
  ClaimedDelivery,
  Delivery,
  DeliveryFilter,
  DeliveryPage,
  DeliveryQuery,
  DeliveryStatus,
  DeliveryStore,
  Lease,
  LeasedAttempt,
  NewAttempt,
  NewDelivery,
  RetryResult,
  StoreOptions,
  StoreStats,
} from './delivery-store.js';
export { defaultStoreOptions, waitingCountLimit } from './delivery-store.js';
export { Dispatcher, type DispatcherOptions, type DeliveryTarget } from './dispatcher.js';
export { StoreError, StoreUrlError } from './errors.js';
export { openStore } from './open-store.js';
export { PostgresStore } from './postgres-store.js';
export { SqliteStore } from './sqlite-store.js';
