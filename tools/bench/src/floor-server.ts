/**
 * The floor of row 1: a grpc-js server whose pre-add-node handler does, in one flat function
 * and with the design's libraries, the work the contract asks of every approved pre- call —
 * what `serve` does without its layers (retries, budgets against the caller's deadline, the
 * failure policy, cancellation sources, observers). No implementation of the contract on these
 * libraries can cost less a call than this; `serve` against it says what our layers cost.
 * Per call: the request validated and mapped (`toPayload`), a webhook id, the hook's headers,
 * one got POST with the attempt's guards (a time limit, cancellation when the call is
 * cancelled, the 101 and reply-size guards, got's settings of `HookClient`, its emptied
 * `cacheOptions` included), the reply decoded
 * as UTF-8 and checked (`parsePreReply`), the breaker told, three metric updates (prom-client,
 * with Node's default metrics collected) and one JSON log line through winston, written to
 * stdout once per turn of the event loop. Cheaper than the service where it could be, as a
 * floor should be: the line is the service's format without its redaction and fallback, and the
 * request's bytes are not checked for invalid UTF-8 before they are decoded.
 * Run as its own process: `node floor-server.js <integrator-url>`; prints its port.
 */
import { Writable } from 'node:stream';
import { type sendUnaryData, Server, ServerCredentials, type ServerUnaryCall } from '@grpc/grpc-js';
import got from 'got';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import winston from 'winston';
import { CircuitBreaker, newWebhookId } from '@ccx-hook/hook-client';
import { parsePreReply, toPayload } from '@ccx-hook/mapping';
import { HookServiceService } from '@ccx-hook/proto';

const [integratorUrl] = process.argv.slice(2) as [string];
const hook = 'pre-add-node';
const url = `${integratorUrl}/${hook}`;
const origin = new URL(url).origin;
const attemptTimeoutMs = 5_000;
const maxReplyBytes = 64 * 1024;
const post = got.extend({
  followRedirect: false,
  throwHttpErrors: false,
  retry: { limit: 0 },
  decompress: false,
  hooks: { init: [(_options, self) => void (self.cacheOptions = {})] },
}).post;
const utf8 = new TextDecoder('utf-8', { fatal: true });
const breaker = new CircuitBreaker();

const registers = [new Registry()];
collectDefaultMetrics({ register: registers[0] });
const calls = new Counter({ name: 'calls_total', help: 'calls', labelNames: ['hook', 'outcome'], registers });
const attempts = new Counter({ name: 'attempts_total', help: 'attempts', labelNames: ['hook', 'result'], registers });
const attemptDuration = new Histogram({
  name: 'attempt_duration_seconds',
  help: 'attempt durations',
  labelNames: ['hook'],
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers,
});

const MESSAGE = Symbol.for('message');
const jsonLine = winston.format((info) => {
  const { level, message, ...fields } = info;
  info[MESSAGE] = JSON.stringify({ timestamp: new Date().toISOString(), level, message, ...fields });
  return info;
});
let lines = '';
const stdout = new Writable({
  decodeStrings: false,
  write(line: string, _encoding, done) {
    if (lines === '') setImmediate(() => (process.stdout.write(lines), (lines = '')));
    lines += line;
    done();
  },
});
const logger = winston.createLogger({ level: 'info', format: jsonLine(), transports: [new winston.transports.Stream({ stream: stdout })] });

function preAddNode(call: ServerUnaryCall<object, object>, callback: sendUnaryData<object>) {
  const payload = toPayload(hook, call.request);
  const webhookId = newWebhookId();
  const started = performance.now();
  breaker.admit(origin);
  const headers = {
    'content-type': 'application/json',
    'user-agent': 'ccx-hook-service/0.1.0',
    'webhook-id': webhookId,
    'webhook-timestamp': String(Math.floor(Date.now() / 1000)),
    'ccx-hook-name': hook,
    'ccx-hook-attempt': '1',
  };
  const pending = post(url, { body: JSON.stringify(payload), headers, responseType: 'buffer' });
  const timer = setTimeout(() => pending.cancel(), attemptTimeoutMs);
  const cancel = () => pending.cancel();
  call.once('cancelled', cancel);
  pending.on('request', (request) => request.on('upgrade', () => pending.cancel()));
  pending.on('downloadProgress', ({ transferred }) => transferred > maxReplyBytes && pending.cancel());
  pending.then(
    (response) => {
      clearTimeout(timer);
      call.off('cancelled', cancel);
      const durationMs = performance.now() - started;
      const reply = parsePreReply(hook, utf8.decode(response.body));
      breaker.succeeded(origin);
      attempts.inc({ hook, result: '2xx' });
      attemptDuration.observe({ hook }, durationMs / 1000);
      calls.inc({ hook, outcome: reply.approved ? 'approved' : 'rejected' });
      logger.info('pre- hook decided by the integrator', {
        hook,
        cluster_id: payload.cluster_id,
        webhook_id: webhookId,
        approved: reply.approved,
        work_id: reply.workId,
        attempts: 1,
        status: response.statusCode,
        duration_ms: Math.round(durationMs),
      });
      callback(null, Object.assign(reply, { decidedBy: 1 }));
    },
    (error: Error) => {
      clearTimeout(timer);
      callback({ code: 14, details: error.message });
    },
  );
}

const server = new Server({ 'grpc.max_receive_message_length': 1024 * 1024 });
const unimplemented = (_call: unknown, callback: sendUnaryData<object>) => callback({ code: 12 });
server.addService(HookServiceService, {
  preCreateCluster: unimplemented,
  postCreateCluster: unimplemented,
  preAddNode,
  postAddNode: unimplemented,
  preRemoveNode: unimplemented,
  postRemoveNode: unimplemented,
  preDeleteCluster: unimplemented,
  postDeleteCluster: unimplemented,
});
server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, port) => {
  if (error) throw error;
  process.stdout.write(`${port}\n`);
});
process.on('SIGTERM', () => server.forceShutdown());
