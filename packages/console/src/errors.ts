/** A request the console refuses; `status` is the HTTP status it answers with. Thrown by the request parsers. */
export class ConsoleRequestError extends Error {
  override readonly name = 'ConsoleRequestError';
  readonly code = 'ERR_CONSOLE_REQUEST';

  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}
