/** How often a process started by `npx` checks that npx is still there, in ms. */
const parentCheckMs = 500;

/**
 * Installs SIGTERM and SIGINT handlers now and resolves with the name of the first signal; a
 * second signal exits at once. Call it before anything listens, so that a signal that arrives
 * during start-up stops the service gracefully instead of killing it.
 *
 * Under `npx` (or `npm exec`), npm does not pass a SIGTERM on: `kill $!` of a backgrounded
 * `npx ccx-hook-service mock-hooks` ends npm and leaves this process running. So a process that
 * npm started also stops, the same way, once npm is gone (its parent process changes).
 */
export function waitForStopSignal(): Promise<string> {
  return new Promise((resolve) => {
    let stopping = false;
    const stop = (reason: string) => {
      if (stopping) process.exit(1);
      stopping = true;
      clearInterval(parentCheck);
      resolve(reason);
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
    const parent = process.ppid;
    const parentCheck = process.env.npm_command === 'exec'
      ? setInterval(() => process.ppid !== parent && stop('npm exited'), parentCheckMs).unref()
      : undefined;
  });
}
