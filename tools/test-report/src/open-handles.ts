import type { Context } from 'mocha';

/**
 * A root hook plugin (`.mocharc.json` `require`): after the tests of a file (in parallel runs;
 * of the whole run otherwise), everything they opened must be closed — every server, socket,
 * worker, pool and timer. A leak fails the run and is named, where an exit forced by the test
 * runner would hide it.
 */
let before: string[] = [];

/** What keeps the event loop alive now and did not before the tests, less `own` of this hook's timers. */
function opened(own = 0): string[] {
  const left = process.getActiveResourcesInfo();
  for (const resource of [...before, ...Array<string>(own).fill('Timeout')]) {
    const index = left.indexOf(resource);
    if (index >= 0) left.splice(index, 1);
  }
  return left;
}

export const mochaHooks = {
  beforeAll(): void {
    before = process.getActiveResourcesInfo();
  },
  async afterAll(this: Context): Promise<void> {
    let left = opened();
    // Closing is asynchronous: a socket or a worker may take a moment to go. Once this hook has
    // returned its promise, mocha's timer for it is one more Timeout, not the tests'.
    for (let waited = 0; left.length > 0 && waited < 2_000; waited += 20) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      left = opened(1);
    }
    const files = [...new Set(this.test?.parent?.suites.map((suite) => suite.file) ?? [])].join(', ');
    if (left.length > 0) throw new Error(`the tests of ${files || 'this run'} left open: ${left.join(', ')} (close what they start)`);
  },
};
