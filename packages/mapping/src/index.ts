export { InvalidReplyError, InvalidRequestError } from './errors.js';
export type { HookRequests, PreHookResponses } from './hook-messages.js';
export { limits } from './limits.js';
export { parsePreReply, type PreReply } from './parse-pre-reply.js';
export { type HookPayload, type PayloadOf, toPayload } from './to-payload.js';
