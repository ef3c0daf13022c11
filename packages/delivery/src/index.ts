export type {
  AttemptOutcome,
  AttemptRecord,
  Delivery,
  DeliveryStatus,
  DeliveryStore,
  NewDelivery,
} from './delivery-store.js';
export { Dispatcher, type DispatcherOptions, type DeliveryTarget } from './dispatcher.js';
export { StoreError, StoreUrlError } from './errors.js';
export { openStore } from './open-store.js';
export { SqliteStore } from './sqlite-store.js';
