import { type handleUnaryCall, type Server, type ServerUnaryCall, status } from '@grpc/grpc-js';
import type { DeliveryStore } from '@ccx-hook/delivery';
import type { Logger, PostHookName, PreHookName } from '@ccx-hook/hook-client';
import { type HookRequests, InvalidRequestError, limits, toPayload } from '@ccx-hook/mapping';
import { DecidedBy, HookServiceService, type HookServiceServer } from '@ccx-hook/proto';
import { CallCancellation } from './call-cancellation.js';
import type { CallObserver, CallOutcome } from './call-observer.js';
import { shuttingDown, toGrpcStatus } from './grpc-status.js';
import type { PreDecision } from './pre-decision.js';
import type { PreHookCaller } from './pre-hook-caller.js';
import type { HooksSettings } from './hook-settings.js';
import { UndecodableRequest, withStrictDecoding } from './strict-decoding.js';
import { traceContextOf, withTraceFields } from './trace-context.js';

/** Options of `HookService`. */
export interface HookServiceOptions {
  hooks: HooksSettings;
  preHooks: PreHookCaller;
  /** Where post- hooks are queued: `enqueue` resolves once the delivery is durably stored. */
  store: Pick<DeliveryStore, 'enqueue'>;
  logger: Logger;
  /** Told how every call ended (for metrics). Default: nobody. */
  observer?: CallObserver;
}

const maxIdempotencyKey = limits.string;

/**
 * The gRPC `ccx.hook.v1.HookService`: validates each request, maps it to the hook's public
 * body, then asks the integrator (pre- hooks) or durably queues the delivery (post- hooks).
 */
export class HookService {
  private closing = false;

  constructor(private readonly options: HookServiceOptions) {}

  /** Adds the eight RPCs to `server`. */
  addToServer(server: Pick<Server, 'addService'>): void {
    const implementation: HookServiceServer = {
      preCreateCluster: this.pre('pre-create-cluster'),
      postCreateCluster: this.post('post-create-cluster'),
      preAddNode: this.pre('pre-add-node'),
      postAddNode: this.post('post-add-node'),
      preRemoveNode: this.pre('pre-remove-node'),
      postRemoveNode: this.post('post-remove-node'),
      preDeleteCluster: this.pre('pre-delete-cluster'),
      postDeleteCluster: this.post('post-delete-cluster'),
    };
    server.addService(withStrictDecoding(HookServiceService, 'ccx.hook.v1.HookService'), implementation);
  }

  /** From now on every call is answered `UNAVAILABLE`; calls already running finish. */
  close(): void {
    this.closing = true;
  }

  private pre<Hook extends PreHookName>(hook: Hook): handleUnaryCall<HookRequests[Hook], PreDecision> {
    return this.unary(hook, decisionOutcome, async (request, call) => {
      const deadline = call.getDeadline();
      const deadlineMs = deadline instanceof Date ? deadline.getTime() : Number(deadline);
      const payload = toPayload(hook, request);
      // A cancelled call (or one past its deadline) asks the integrator nothing more. grpc-js
      // also reports a call as cancelled when its stream closes after the answer, so the
      // listener goes as soon as there is a decision. (`on`, not `once`: a second abort does
      // nothing, and `once` wraps the listener in a bound function per call.)
      const cancellation = new CallCancellation();
      if (call.cancelled) cancellation.abort();
      else call.on('cancelled', cancellation.abort);
      try {
        return await this.options.preHooks.decide(hook, payload, { deadline: deadlineMs, signal: cancellation, trace: traceContextOf(call.metadata) });
      } finally {
        call.off('cancelled', cancellation.abort);
      }
    });
  }

  private post<Hook extends PostHookName>(hook: Hook): handleUnaryCall<HookRequests[Hook], { deliveryId: string }> {
    return this.unary(hook, ({ deliveryId }) => (deliveryId ? 'queued' : 'disabled'), async (request, call) => {
      const payload = toPayload(hook, request);
      if (!this.options.hooks[hook].url) return { deliveryId: '' };
      const { id: deliveryId } = await this.options.store.enqueue({
        hook,
        clusterId: payload.cluster_id,
        payload: JSON.stringify(payload),
        idempotencyKey: idempotencyKey(call),
      });
      this.options.logger.info('post- hook queued', withTraceFields({
        hook,
        cluster_id: payload.cluster_id,
        delivery_id: deliveryId,
      }, traceContextOf(call.metadata)));
      return { deliveryId };
    });
  }

  private unary<Request, Response>(
    hook: string,
    outcomeOf: (response: Response) => CallOutcome,
    handle: (request: Request, call: ServerUnaryCall<Request, Response>) => Promise<Response>,
  ): handleUnaryCall<Request, Response> {
    const observer = this.options.observer;
    return (call, callback) => {
      if (this.closing) {
        observer?.called(hook, 'unavailable');
        callback(shuttingDown);
        return;
      }
      // `handle` is async: what it throws arrives as a rejection.
      const answer = call.request instanceof UndecodableRequest ? Promise.reject(call.request.error) : handle(call.request, call);
      answer
        .then(
          (response) => {
            observer?.called(hook, outcomeOf(response));
            callback(null, response);
          },
          (error: unknown) => {
            const answer = toGrpcStatus(error, this.options.logger, { hook, peer: call.getPeer() });
            observer?.called(hook, answer.code === status.INVALID_ARGUMENT ? 'invalid' : answer.code === status.UNAVAILABLE ? 'unavailable' : 'internal');
            callback(answer);
          },
        );
    };
  }
}

function decisionOutcome({ approved, decidedBy, shadow }: PreDecision): CallOutcome {
  if (decidedBy === DecidedBy.DECIDED_BY_HOOK_DISABLED) return 'disabled';
  if (decidedBy === DecidedBy.DECIDED_BY_SHADOW_MODE) return `shadow_${shadow!}`;
  if (decidedBy === DecidedBy.DECIDED_BY_FAILURE_POLICY) return approved ? 'failure_policy_approved' : 'failure_policy_rejected';
  return approved ? 'approved' : 'rejected';
}

function idempotencyKey(call: ServerUnaryCall<object, unknown>): string | undefined {
  const [value] = call.metadata.get('idempotency-key');
  if (value === undefined) return undefined;
  const key = String(value);
  if (key === '' || key.length > maxIdempotencyKey) {
    throw new InvalidRequestError(
      'idempotency-key',
      `idempotency-key metadata must be 1 to ${maxIdempotencyKey} characters long`,
    );
  }
  return key;
}
