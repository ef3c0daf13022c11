import type { AttemptRecord, Delivery, DeliveryPage, DeliveryStatus, EndpointState } from './delivery-store.js';

/** A row of the deliveries table, as both stores keep it; `T` is how the store returns times. */
export interface DeliveryRow<T> {
  seq: number | string;
  /** The seq it was enqueued with, once an operator's retry gave it another; null before. */
  sequence: number | string | null;
  id: string;
  hook: string;
  cluster_id: string;
  payload: string;
  status: DeliveryStatus;
  attempts: number;
  next_attempt_at: T;
  last_error: string | null;
  created_at: T;
  updated_at: T;
}

/** A row of the attempts table. */
export interface AttemptRow<T> {
  attempt: number;
  ended_at: T;
  duration_ms: number;
  status_code: number | null;
  error: string | null;
}

/** Maps rows to the contract's types; `ms` turns a stored time into ms since the epoch. */
export function rowMappers<T>(ms: (time: T) => number) {
  const toDelivery = (row: DeliveryRow<T>): Delivery => ({
    id: row.id,
    hook: row.hook,
    clusterId: row.cluster_id,
    sequence: Number(row.sequence ?? row.seq),
    payload: row.payload,
    status: row.status,
    attempts: row.attempts,
    nextAttemptAt: ms(row.next_attempt_at),
    ...(row.last_error === null ? {} : { lastError: row.last_error }),
    createdAt: ms(row.created_at),
    updatedAt: ms(row.updated_at),
  });
  const toAttempt = (row: AttemptRow<T>): AttemptRecord => ({
    attempt: row.attempt,
    endedAt: ms(row.ended_at),
    durationMs: row.duration_ms,
    ...(row.status_code === null ? {} : { statusCode: row.status_code }),
    ...(row.error === null ? {} : { error: row.error }),
  });
  /** One page from `limit + 1` rows read newest first: the extra row only says that there is a next page. */
  const toPage = (rows: DeliveryRow<T>[], limit: number): DeliveryPage => {
    const page = rows.slice(0, limit);
    return {
      deliveries: page.map((row) => {
        const { payload: _payload, ...delivery } = toDelivery(row);
        return delivery;
      }),
      ...(rows.length > limit ? { next: String(page.at(-1)!.seq) } : {}),
    };
  };
  return { toDelivery, toAttempt, toPage };
}

/** An endpoints row (gone_at in ms since the epoch; the pause left in ms, null when over) as its state. */
export function endpointState(hook: string, goneAt: number | null, goneUrl: string | null, pausedForMs: number | null): EndpointState {
  const state: EndpointState = { hook };
  if (goneAt !== null) state.gone = { since: goneAt, url: goneUrl ?? '' };
  if (pausedForMs !== null && pausedForMs > 0) state.pausedForMs = pausedForMs;
  return state;
}
