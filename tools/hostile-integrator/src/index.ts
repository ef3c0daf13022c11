export { type HostileReply, hostileReplies } from './hostile-replies.js';
export { http, type RawIntegrator, type RawReply, startRawIntegrator } from './raw-integrator.js';
