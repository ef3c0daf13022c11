import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { Dispatcher, EndpointSignals, SqliteStore } from '@ccx-hook/delivery';
import { HookClient, type Logger, silentLogger } from '@ccx-hook/hook-client';
import { sleep, until } from '@ccx-hook/test-waits';
import { Liveness } from './liveness.js';

describe('Liveness', () => {
  let dir: string;
  let store: SqliteStore;
  let errors: string[];
  const logger: Logger = { ...silentLogger, error: (message, meta) => errors.push(`${message} ${JSON.stringify(meta)}`) };
  const dispatcherOn = (options: { stopped?: boolean } = {}) => {
    const endpoints = new EndpointSignals({ store, logger: silentLogger, url: () => undefined });
    const dispatcher = new Dispatcher({ store, client: new HookClient(), logger: silentLogger, target: () => undefined, endpoints, schedule: [], concurrency: 1, leaseMs: 10_000, pollIntervalMs: 20 });
    if (!options.stopped) dispatcher.start();
    return dispatcher;
  };
  /** What Liveness reads of the delivery thread, from a dispatcher on this thread. */
  const deliveryOf = (dispatcher: Dispatcher) => ({ get lastProgressAt() { return dispatcher.lastProgressAt; }, failure: undefined });

  beforeEach(async () => {
    errors = [];
    dir = mkdtempSync(join(tmpdir(), 'ccx-liveness-'));
    store = await SqliteStore.open(join(dir, 'deliveries.db'));
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('stays alive while the dispatcher polls with nothing due, however long', async () => {
    const dispatcher = dispatcherOn();
    const liveness = new Liveness({ store, delivery: deliveryOf(dispatcher), stallTimeoutMs: 100, logger }, 20);
    liveness.start();
    await sleep(300); // three stall timeouts of polling with nothing due: the time is the behaviour
    liveness.stop();
    await dispatcher.stop(0);
    expect(liveness.alive).to.equal(true);
    expect(errors).to.deep.equal([]);
  });

  it('fails once the dispatcher made no progress for the stall timeout, and says so once', async () => {
    // A dispatcher that never runs: deliveries would be due and nothing would take them.
    await store.enqueue({ hook: 'post-add-node', clusterId: 'c1', payload: '{}' });
    const dispatcher = dispatcherOn({ stopped: true });
    const liveness = new Liveness({ store, delivery: deliveryOf(dispatcher), stallTimeoutMs: 100, logger }, 20);
    liveness.start();
    await until(() => !liveness.alive, 'liveness fails');
    await sleep(100); // five more checks, still failing: it is said once
    liveness.stop();
    expect(liveness.alive).to.equal(false);
    expect(errors).to.have.length(1);
    expect(errors[0]).to.match(/^not alive: a restart is needed .*the dispatcher made no progress/);
  });
});
