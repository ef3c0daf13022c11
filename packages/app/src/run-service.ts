import { format } from 'node:util';
import { setLogger } from '@grpc/grpc-js';
import { AttemptHistory, DecisionLog, type RunningConsole, startConsole } from '@ccx-hook/console';
import { type DeliveryStore, EndpointSignals, type NewDelivery, openStore, StoreError } from '@ccx-hook/delivery';
import { type AttemptObserver, CircuitBreaker, HookClient, type Logger } from '@ccx-hook/hook-client';
import { ServerTls, startServer } from '@ccx-hook/server';
import { DeliveryThread } from './delivery-thread.js';
import { ConfigError } from './errors.js';
import type { ServiceConfig } from './service-config.js';
import { startHttpEndpoints } from './http-endpoints.js';
import { Liveness } from './liveness.js';
import { Readiness } from './readiness.js';
import { reloadCredentialsOnSighup } from './reload-credentials.js';
import { ServiceMetrics } from './service-metrics.js';
import { StoreFigures } from './store-figures.js';
import { version } from './version.js';
import { waitForStopSignal } from './wait-for-stop-signal.js';

/**
 * Runs the service until SIGTERM or SIGINT: opens the store beside starting the gRPC server,
 * then starts the delivery thread (DESIGN §5c), then shuts down gracefully — new calls refused, in-flight calls answered,
 * attempts given the grace period, leases released, store closed. SIGHUP reads the secret
 * and TLS files again. `startFields` join the start line (local-server's target).
 */
export async function runService(config: ServiceConfig, logger: Logger & { isLevelEnabled(level: string): boolean }, startFields: Record<string, string> = {}): Promise<void> {
  const stopSignal = waitForStopSignal();
  const { credentials } = config;
  const serverTls = credentials.grpcTls && startError('grpc.tls', () => new ServerTls(credentials.grpcTls!));
  const hookCredentials = { secrets: credentials.secrets, signingKeys: credentials.signingKeys, tls: credentials.hookTls };
  // Checked before anything is opened; the client that sends is made once metrics exist.
  startError('hooks.tls', () => new HookClient(hookCredentials));
  // grpc-js writes its own errors to the console. While binding, it also logs the error its
  // callback reports (the start error says it once); after that, they belong in the log.
  const quiet = () => {};
  setLogger({ error: quiet, info: quiet, debug: quiet });
  // The store opens while the gRPC server starts (docs/BENCHMARKS.md, row 7): what the server's
  // parts take of it waits for the open at its first use.
  const opening = openStore(config.storeUrl, { timeoutMs: config.storeTimeoutMs, logger }).catch((error: Error) => {
    throw new Error(`cannot open the store (store.url): ${error.message}`);
  });
  // Its failure is reported once the server started (or failed to).
  opening.catch(() => {});
  const opened = <T>(use: (store: DeliveryStore) => Promise<T>) => opening.then(use);
  const breaker = new CircuitBreaker(config.breaker);
  const endpoints = [...new Set(Object.values(config.hooks).flatMap((hook) => (hook.url ? [new URL(hook.url).origin] : [])))];
  const figures = new StoreFigures({ stats: (limit) => opened((store) => store.stats(limit)) }, logger);
  const urlOf = (hook: string) => config.hooks[hook as keyof ServiceConfig['hooks']]?.url;
  const signalsStore = {
    endpoints: () => opened((store) => store.endpoints()),
    markGone: (hook: string, url: string) => opened((store) => store.markGone(hook, url)),
    pause: (hook: string, delayMs: number) => opened((store) => store.pause(hook, delayMs)),
    resume: (hook: string) => opened((store) => store.resume(hook)),
  };
  const endpointSignals = new EndpointSignals({ store: signalsStore, logger, url: urlOf });
  const enabled = Object.entries(config.hooks).filter(([, hook]) => hook.url).map(([name]) => name);
  let signing = credentials.secrets.length + credentials.signingKeys.length;
  const metrics = new ServiceMetrics({
    figures: () => figures.latest,
    lastProgressAt: () => delivery.lastProgressAt,
    signingCredentials: () => signing,
    breaker,
    endpoints,
    hooks: enabled,
    isGone: (hook) => endpointSignals.isGone(hook),
  });
  // The console's figures are kept only when it is on.
  const attemptHistory = config.console.address ? new AttemptHistory() : undefined;
  const decisions = config.console.address ? new DecisionLog(config.console.decisions) : undefined;
  const observer: AttemptObserver = attemptHistory
    ? {
        attempted(hook, result, durationMs) {
          metrics.attempted(hook, result, durationMs);
          attemptHistory.attempted(hook, result);
        },
      }
    : metrics;
  const client = new HookClient({ ...hookCredentials, userAgent: `ccx-hook-service/${version}`, observer });
  const delivery = new DeliveryThread({
    storeUrl: config.storeUrl,
    storeTimeoutMs: config.storeTimeoutMs,
    hooks: config.hooks,
    delivery: config.delivery,
    credentials: hookCredentials,
    userAgent: `ccx-hook-service/${version}`,
    logLevels: (['error', 'warn', 'info', 'debug'] as const).filter((level) => logger.isLevelEnabled(level)),
  }, logger, observer);
  // Made before the server, started once everything listens; until then the store counts as usable.
  let setServing = (_ready: boolean) => {};
  const readiness = new Readiness({ check: () => opened((store) => store.check()) }, logger, (ready) => setServing(ready));
  const guardedStore = {
    async enqueue(newDelivery: NewDelivery) {
      // While the store fails its checks, a post- call is refused at once instead of waiting out store.timeout.
      if (!readiness.storeUsable) throw new StoreError('the store is unavailable (its readiness check fails)');
      const enqueued = await opened((store) => store.enqueue(newDelivery));
      // Behind a pending delivery of its cluster, nothing new is due: the dispatcher is not woken.
      if (enqueued.due) delivery.wake();
      return enqueued;
    },
  };
  let server;
  try {
    server = await startServer({
      address: config.grpcAddress,
      limits: config.grpcLimits,
      hooks: config.hooks,
      preHooks: config.preHooks,
      breaker,
      client,
      store: guardedStore,
      logger,
      observer: metrics,
      decisions,
      endpoints: endpointSignals,
      tls: serverTls,
    });
  } catch (error) {
    await opening.then((store) => store.close(), () => {});
    // grpc-js wraps the socket's error ("No address added out of total 1 resolved errors: [listen EADDRINUSE …]").
    const { message } = error as Error;
    throw new Error(`cannot listen on ${config.grpcAddress} (grpc.address): ${/\[(.+)\]$/.exec(message)?.[1] ?? message}`);
  }
  let store: DeliveryStore;
  try {
    store = await opening;
  } catch (error) {
    await server.shutdown(0);
    throw error;
  }
  const grpcLog = (...args: unknown[]) => logger.warn('grpc-js', { detail: format(...args) });
  setLogger({ error: grpcLog, info: grpcLog, debug: grpcLog });
  endpointSignals.start();
  const liveness = new Liveness({ store, delivery, stallTimeoutMs: config.delivery.stallTimeoutMs, logger });
  setServing = (ready) => server.setServing(ready);
  const stopEarly = async () => {
    await Promise.all([server.shutdown(0), delivery.stop(0), endpointSignals.stop()]);
    await store.close();
  };
  let http;
  try {
    http = await startHttpEndpoints(config.httpAddress, {
      alive: () => liveness.alive,
      ready: () => readiness.ready,
      metrics: () => metrics.expose(),
    });
  } catch (error) {
    await stopEarly();
    throw new Error(`cannot listen on ${config.httpAddress} (http.address): ${(error as Error).message}`);
  }
  let operatorConsole: RunningConsole | undefined;
  if (config.console.address) {
    try {
      operatorConsole = await startConsole({
        address: config.console.address,
        hosts: config.console.hosts,
        token: config.console.token,
        store,
        decisions: decisions!,
        attempts: attemptHistory!,
        circuits: () => endpoints.map((endpoint) => ({ endpoint, open: breaker.isOpen(endpoint) })),
        endpoints: () => endpointSignals.list(),
        logger,
      });
    } catch (error) {
      await http.close();
      await stopEarly();
      throw new Error(`cannot listen on ${config.console.address} (console.address): ${(error as Error).message}`);
    }
  }
  readiness.start();
  liveness.start();
  figures.start();
  logger.info('ccx-hook-service listening', {
    version,
    address: config.grpcAddress,
    port: server.port,
    http_port: http.port,
    ...(operatorConsole && { console_port: operatorConsole.port, console: `http://${config.console.address!.replace(/:\d+$/, `:${operatorConsole.port}`)}/` }),
    store: config.storeUrl.split(':')[0],
    hooks: enabled,
    endpoints,
    signed: signing > 0,
    tls: serverTls ? (serverTls.mutual ? 'mutual' : 'server') : 'off',
    ...startFields,
  });
  // After the start line: calls are answered while the delivery thread loads (DESIGN §5c).
  delivery.start();
  const stopReloading = reloadCredentialsOnSighup(config, [client, delivery], serverTls, logger, (reloaded) => (signing = reloaded.secrets.length + reloaded.signingKeys.length));
  if (signing === 0) {
    logger.warn('hooks are unsigned: no hooks.secret or hooks.signing_key is set, so integrators cannot verify that a hook comes from this service');
  }

  const signal = await stopSignal;
  logger.info('shutting down', { signal });
  readiness.stop();
  liveness.stop();
  figures.stop();
  stopReloading();
  // One grace period for both: calls in flight and attempts in flight finish side by side.
  await Promise.all([server.shutdown(config.shutdownGraceMs), delivery.stop(config.shutdownGraceMs)]);
  await endpointSignals.stop();
  await Promise.all([http.close(), operatorConsole?.close()]);
  await store.close();
  logger.info('stopped');
}

/** Runs `create`; what it throws is a start error naming the configuration `key`. */
function startError<T>(key: string, create: () => T): T {
  try {
    return create();
  } catch (error) {
    throw new ConfigError(`invalid configuration: ${key}: ${(error as Error).message}`);
  }
}
