// Node.js types in this package's declarations come from @types/node: kept in the emitted
// index.d.ts, so that a consumer on TypeScript 7 (whose `types` default is []) needs no setting.
/// <reference types="node" preserve="true" />
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
  EndpointState,
  Enqueued,
  Lease,
  LeasedAttempt,
  NewAttempt,
  NewDelivery,
  RetryResult,
  StoreOptions,
  StoreStats,
} from './delivery-store.js';
export { waitingCountLimit } from './delivery-store.js';
export { defaultStoreOptions } from './default-store-options.js';
export { Dispatcher, type DispatcherOptions, type DeliveryTarget } from './dispatcher.js';
export { EndpointSignals, type EndpointSignalsOptions } from './endpoint-signals.js';
export { StoreError, StoreUrlError } from './errors.js';
export { openStore } from './open-store.js';
export { PostgresStore } from './postgres-store.js';
export { SqliteStore } from './sqlite-store.js';
