/** Thrown for a command line that cannot be understood: unknown command or option, missing argument. Exit 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  readonly code = 'ERR_USAGE';
}

/** Thrown when a command fails for a reason its user must fix (bad value, call failed). Exit 1. */
export class CommandError extends Error {
  override readonly name = 'CommandError';
  readonly code = 'ERR_COMMAND';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
