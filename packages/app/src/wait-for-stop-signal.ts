/**
 * Installs SIGTERM and SIGINT handlers now and resolves with the name of the first signal; a
 * second signal exits at once. Call it before anything listens, so that a signal that arrives
 * during start-up stops the service gracefully instead of killing it.
 */
export function waitForStopSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) process.exit(1);
      stopping = true;
      resolve(signal);
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
}
