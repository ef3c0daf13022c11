import { credentials, Metadata, type ServiceError } from '@grpc/grpc-js';
import { CircuitBreaker, HookClient, type HookName, hookNames, type Logger } from '@ccx-hook/hook-client';
import * as proto from '@ccx-hook/proto';
import { HookServiceClient } from '@ccx-hook/proto';
import type { HookServiceOptions } from '../hook-service.js';
import type { HooksSettings, PreHookPolicy } from '../hook-settings.js';
import { type GrpcLimits, type RunningServer, startServer } from '../start-server.js';
import { temporaryStore } from './temporary-store.js';

/** A real server on port 0 whose hooks all go to `integratorUrl`, and a client to it. */
export interface Harness {
  server: RunningServer;
  client: HookServiceClient;
  /** Calls `hook` with `fields` (the rest defaulted) and a deadline `deadlineMs` from now. */
  call(hook: HookName, fields: object, deadlineMs?: number, signal?: AbortSignal): Promise<Record<string, unknown>>;
  /** Sends `bytes` as the request of `hook`, exactly as they are. */
  callRaw(hook: HookName, bytes: Buffer, metadata?: Metadata): Promise<Record<string, unknown>>;
  close(): Promise<void>;
}

/** Options of `startHarness`. */
export interface HarnessOptions {
  integratorUrl: string;
  /** Hooks that go elsewhere than `integratorUrl`: their own URLs. */
  urls?: Partial<Record<HookName, string>>;
  logger: Logger;
  /** Where post- hooks go; default a real SQLite store of the harness's own. */
  store?: HookServiceOptions['store'];
  attemptTimeoutMs?: number;
  policy?: Partial<PreHookPolicy>;
  breaker?: { threshold: number; cooldownMs: number };
  /** The server's connection limits; default `defaultGrpcLimits` (1,000 calls in flight on the harness's one connection). */
  limits?: GrpcLimits;
}

const methodOf = (hook: HookName) => hook.replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase());

/** Starts the harness. */
export async function startHarness(options: HarnessOptions): Promise<Harness> {
  const hooks = Object.fromEntries(
    hookNames.map((hook) => [hook, { url: options.urls?.[hook] ?? `${options.integratorUrl}/${hook}`, failurePolicy: 'fail-closed', timeoutMs: options.attemptTimeoutMs ?? 300 }]),
  ) as unknown as HooksSettings;
  const own = options.store ? undefined : await temporaryStore();
  const server = await startServer({
    address: '127.0.0.1:0',
    limits: options.limits,
    hooks,
    preHooks: { budgetMs: 1_000, attempts: 3, deadlineMarginMs: 100, rejectionMessage: 'could not check', ...options.policy },
    breaker: new CircuitBreaker(options.breaker ?? { threshold: 5, cooldownMs: 60_000 }),
    client: new HookClient(),
    store: options.store ?? own!.store,
    logger: options.logger,
  });
  const client = new HookServiceClient(`127.0.0.1:${server.port}`, credentials.createInsecure());
  return {
    server,
    client,
    call(hook, fields, deadlineMs = 10_000, signal) {
      const method = methodOf(hook);
      const codec = (proto as unknown as Record<string, { fromPartial(o: object): object }>)[`${method[0]!.toUpperCase()}${method.slice(1)}Request`]!;
      return new Promise((resolve, reject) => {
        const pending = (client as unknown as Record<string, Function>)[method]!.call(
          client,
          codec.fromPartial(fields),
          new Metadata(),
          { deadline: Date.now() + deadlineMs },
          (error: ServiceError | null, response: Record<string, unknown>) => (error ? reject(error) : resolve(response)),
        ) as { cancel(): void };
        signal?.addEventListener('abort', () => pending.cancel());
      });
    },
    callRaw(hook, bytes, metadata = new Metadata()) {
      const method = methodOf(hook);
      const path = `/ccx.hook.v1.HookService/${method[0]!.toUpperCase()}${method.slice(1)}`;
      return new Promise((resolve, reject) =>
        client.makeUnaryRequest(
          path,
          (buffer: Buffer) => buffer,
          (buffer: Buffer) => ({ bytes: buffer.length }),
          bytes,
          metadata,
          { deadline: Date.now() + 10_000 },
          (error, response) => (error ? reject(error) : resolve(response as Record<string, unknown>)),
        ),
      );
    },
    async close() {
      client.close();
      await server.shutdown(500);
      await own?.remove();
    },
  };
}
