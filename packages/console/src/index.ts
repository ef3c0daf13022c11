export { AttemptHistory, type MinuteCounts } from './attempt-history.js';
export { DecisionLog, type DecisionFilter } from './decision-log.js';
export { ConsoleRequestError } from './errors.js';
export { type ConsoleOptions, isLoopback, type RunningConsole, startConsole } from './start-console.js';
