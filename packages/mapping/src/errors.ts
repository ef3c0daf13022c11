/** Thrown by `toPayload` when a request breaks a limit of DESIGN §6; `field` names it. */
export class InvalidRequestError extends Error {
  override readonly name = 'InvalidRequestError';
  readonly code = 'ERR_INVALID_REQUEST';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

/** Thrown by `parsePreReply` when an integrator's reply is not a valid decision (DESIGN §3, §4). */
export class InvalidReplyError extends Error {
  override readonly name = 'InvalidReplyError';
  readonly code = 'ERR_INVALID_REPLY';
}
