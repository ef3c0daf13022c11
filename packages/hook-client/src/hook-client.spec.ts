import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { Webhook } from 'standardwebhooks';
import { hostileReplies, http, type RawIntegrator, startRawIntegrator } from '@ccx-hook/hostile-integrator';
import { CircuitBreaker } from './circuit-breaker.js';
import { HookError, InvalidSecretError } from './errors.js';
import { HookClient } from './hook-client.js';
import { sendWithRetries } from './send-with-retries.js';
import { verifySignature } from './signature.js';
import { generateSigningKey } from './signing-key.js';

interface Seen {
  headers: IncomingHttpHeaders;
  body: string;
}

type Answer = (response: ServerResponse) => void;

async function receiver(answer: (seen: Seen, index: number) => Answer) {
  const seen: Seen[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const entry = { headers: request.headers, body: Buffer.concat(chunks).toString() };
      seen.push(entry);
      answer(entry, seen.length - 1)(response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/pre-add-node`;
  return {
    url,
    seen,
    close: () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
  };
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}): Answer => (response) =>
  response.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));

const secretA = `whsec_${Buffer.from('0123456789abcdef0123456789abcdef').toString('base64')}`;
const secretB = `whsec_${Buffer.from('fedcba9876543210fedcba9876543210').toString('base64')}`;

const request = (url: string) => ({
  url,
  hookName: 'pre-add-node',
  webhookId: 'msg_test1',
  attempt: 1,
  body: '{"cluster_id":"c1"}',
  timeoutMs: 2000,
});

async function failure(promise: Promise<unknown>): Promise<HookError> {
  try {
    await promise;
  } catch (error) {
    expect(error).to.be.instanceOf(HookError);
    return error as HookError;
  }
  throw new Error('expected a HookError');
}

describe('HookClient', () => {
  let server: Awaited<ReturnType<typeof receiver>> | undefined;
  afterEach(async () => server?.close());

  it('POSTs the body with the Standard Webhooks and ccx headers', async () => {
    server = await receiver(() => json(200, { approved: true }));
    const reply = await new HookClient({ userAgent: 'ccx-hook-service/9.9.9' }).send({ ...request(server.url), attempt: 3 });
    expect(reply.statusCode).to.equal(200);
    expect(JSON.parse(reply.body)).to.deep.equal({ approved: true });
    const { headers, body } = server.seen[0]!;
    expect(body).to.equal('{"cluster_id":"c1"}');
    expect(headers['content-type']).to.equal('application/json');
    expect(headers['user-agent']).to.equal('ccx-hook-service/9.9.9');
    expect(headers['webhook-id']).to.equal('msg_test1');
    expect(Math.abs(Number(headers['webhook-timestamp']) - Date.now() / 1000)).to.be.below(5);
    expect(headers['ccx-hook-name']).to.equal('pre-add-node');
    expect(headers['ccx-hook-attempt']).to.equal('3');
    expect(headers).not.to.have.property('webhook-signature');
  });

  it('signs so that the standardwebhooks library verifies, with one or two secrets', async () => {
    server = await receiver(() => json(200, {}));
    await new HookClient({ secrets: [secretA] }).send(request(server.url));
    await new HookClient({ secrets: [secretA, secretB] }).send(request(server.url));
    const [one, two] = server.seen;
    const verify = (secret: string, seen: Seen) => new Webhook(secret).verify(seen.body, seen.headers as Record<string, string>);
    expect(verify(secretA, one!)).to.deep.equal({ cluster_id: 'c1' });
    expect(String(two!.headers['webhook-signature']).split(' ')).to.have.length(2);
    expect(verify(secretA, two!)).to.deep.equal({ cluster_id: 'c1' });
    expect(verify(secretB, two!)).to.deep.equal({ cluster_id: 'c1' });
    const other = `whsec_${Buffer.from('another-key-of-32-bytes-length!!').toString('base64')}`;
    expect(() => verify(other, one!)).to.throw();
  });

  it('signs with v1a beside v1: two signing keys and a secret, each verifies, and the v1 part stays standard', async () => {
    server = await receiver(() => json(200, {}));
    const [first, second] = [generateSigningKey(), generateSigningKey()];
    await new HookClient({ secrets: [secretA], signingKeys: [first.signingKey, second.signingKey] }).send(request(server.url));
    const [seen] = server.seen;
    const message = {
      id: String(seen!.headers['webhook-id']),
      timestamp: String(seen!.headers['webhook-timestamp']),
      signature: String(seen!.headers['webhook-signature']),
      body: seen!.body,
    };
    expect(message.signature.split(' ').map((part) => part.split(',')[0])).to.deep.equal(['v1', 'v1a', 'v1a']);
    for (const key of [first.publicKey, second.publicKey, secretA]) expect(verifySignature([key], message), key.slice(0, 5)).to.equal(true);
    expect(new Webhook(secretA).verify(seen!.body, seen!.headers as Record<string, string>)).to.deep.equal({ cluster_id: 'c1' });
    expect(verifySignature([generateSigningKey().publicKey], message), 'another public key').to.equal(false);
    expect(verifySignature([first.publicKey], { ...message, body: '{"cluster_id":"c2"}' }), 'another body').to.equal(false);
  });

  it('refuses a signing key that is not whsk_ of 64 bytes, or whose public half is not its seed\'s', () => {
    const { signingKey } = generateSigningKey();
    const bytes = Buffer.from(signingKey.slice(5), 'base64');
    const mismatched = `whsk_${Buffer.concat([bytes.subarray(0, 32), Buffer.from(generateSigningKey().publicKey.slice(5), 'base64')]).toString('base64')}`;
    for (const bad of ['whsk_c2hvcnQ=', secretA, mismatched]) {
      expect(() => new HookClient({ signingKeys: [bad] })).to.throw(InvalidSecretError).with.property('message').that.does.not.contain(bad.slice(5, 15));
    }
  });

  it('fails a non-2xx answer with its status, and does not follow redirects', async () => {
    server = await receiver((_, index) =>
      index === 0 ? json(500, {}) : json(302, {}, { location: 'http://127.0.0.1:1/elsewhere' }),
    );
    const client = new HookClient();
    const error500 = await failure(client.send(request(server.url)));
    expect(error500.code).to.equal('ERR_HOOK_STATUS');
    expect(error500.details.statusCode).to.equal(500);
    expect(error500.retryable).to.equal(true);
    const redirect = await failure(client.send(request(server.url)));
    expect(redirect.details.statusCode).to.equal(302);
    expect(redirect.retryable).to.equal(false);
    expect(server.seen).to.have.length(2);
  });

  it('reads Retry-After on 429 and 503', async () => {
    server = await receiver(() => json(429, {}, { 'retry-after': '7' }));
    const error = await failure(new HookClient().send(request(server.url)));
    expect(error.details.retryAfterMs).to.equal(7000);
    expect(error.retryable).to.equal(true);
  });

  it('times out an attempt', async () => {
    server = await receiver(() => (response) => setTimeout(() => json(200, {})(response), 1000)); // a slow integrator: the behaviour
    const started = Date.now();
    const error = await failure(new HookClient().send({ ...request(server.url), timeoutMs: 200 }));
    expect(error.code).to.equal('ERR_HOOK_TIMEOUT');
    expect(Date.now() - started).to.be.below(900);
  });

  it('refuses a reply over the size cap', async () => {
    server = await receiver(() => json(200, { approved: true, pad: 'x'.repeat(70 * 1024) }));
    const error = await failure(new HookClient().send(request(server.url)));
    expect(error.code).to.equal('ERR_HOOK_REPLY_TOO_LARGE');
    const small = await failure(new HookClient({ maxReplyBytes: 10 }).send(request(server.url)));
    expect(small.code).to.equal('ERR_HOOK_REPLY_TOO_LARGE');
  });

  it('reports a refused connection', async () => {
    server = await receiver(() => json(200, {}));
    const url = server.url;
    await server.close();
    server = undefined;
    const error = await failure(new HookClient().send(request(url)));
    expect(error.code).to.equal('ERR_HOOK_CONNECTION');
    expect(error.message, 'names the endpoint').to.equal(`request to ${new URL(url).origin} failed: ECONNREFUSED`);
    expect(error.retryable).to.equal(true);
  });
});

describe('HookClient observer and secrets', () => {
  let server: Awaited<ReturnType<typeof receiver>> | undefined;
  afterEach(async () => server?.close());

  it('tells its observer how each attempt ended', async () => {
    server = await receiver((_, index) => [json(200, {}), json(404, {}), json(503, {}), (response: ServerResponse) => setTimeout(() => response.end(), 1000)][index]!); // the last one slow: the behaviour
    const seen: string[] = [];
    const client = new HookClient({ observer: { attempted: (hook, result, durationMs) => seen.push(`${hook} ${result} ${durationMs >= 0}`) } });
    await client.send(request(server.url));
    for (let n = 0; n < 3; n++) await failure(client.send({ ...request(server.url), timeoutMs: 200 }));
    const { url } = server;
    await server.close();
    server = undefined;
    await failure(client.send(request(url)));
    expect(seen).to.deep.equal(['2xx', '4xx', '5xx', 'timeout', 'connection_error'].map((result) => `pre-add-node ${result} true`));
  });

  it('sends extra headers, which cannot replace its own', async () => {
    server = await receiver(() => json(200, {}));
    await new HookClient({ secrets: [secretA] }).send({
      ...request(server.url),
      headers: { traceparent: 't', 'webhook-id': 'forged', 'webhook-signature': 'forged', 'ccx-hook-name': 'forged' },
    });
    const { headers } = server.seen[0]!;
    expect([headers.traceparent, headers['webhook-id'], headers['ccx-hook-name']]).to.deep.equal(['t', 'msg_test1', 'pre-add-node']);
    expect(headers['webhook-signature']).to.match(/^v1,/);
  });

  it('refuses a missing secret with InvalidSecretError, not a TypeError', () => {
    expect(() => new HookClient({ secrets: [undefined as unknown as string] })).to.throw(InvalidSecretError, /whsec_/);
  });
});

describe('sendWithRetries', () => {
  let server: Awaited<ReturnType<typeof receiver>> | undefined;
  afterEach(async () => server?.close());

  it('retries with the same webhook-id and a counting attempt header', async () => {
    server = await receiver((_, index) => (index < 2 ? json(503, {}) : json(200, { approved: true })));
    const { url, hookName, webhookId, body } = request(server.url);
    const reply = await sendWithRetries(new HookClient(), { url, hookName, webhookId, body }, { budgetMs: 3000, attemptTimeoutMs: 1000, backoffMs: 10 });
    expect(reply.attempts).to.equal(3);
    expect(server.seen.map((seen) => seen.headers['ccx-hook-attempt'])).to.deep.equal(['1', '2', '3']);
    expect(new Set(server.seen.map((seen) => seen.headers['webhook-id']))).to.deep.equal(new Set(['msg_test1']));
  });

  it('does not retry a 4xx and gives up when the budget is spent', async () => {
    server = await receiver(() => json(400, {}));
    const { url, hookName, webhookId, body } = request(server.url);
    await failure(sendWithRetries(new HookClient(), { url, hookName, webhookId, body }, { budgetMs: 3000, attemptTimeoutMs: 1000 }));
    expect(server.seen).to.have.length(1);
    await server.close();
    server = await receiver(() => (response) => setTimeout(() => json(200, {})(response), 2000)); // a slow integrator: the behaviour
    const started = Date.now();
    const error = await failure(
      sendWithRetries(new HookClient(), { ...request(server.url), url: server.url }, { budgetMs: 500, attemptTimeoutMs: 5000 }),
    );
    expect(error.code).to.equal('ERR_HOOK_TIMEOUT');
    expect(Date.now() - started).to.be.within(400, 900);
  });
});

describe('HookClient against replies Node\'s http module cannot send', () => {
  let integrator: RawIntegrator;
  afterEach(async () => integrator.close());
  const reply = (name: string) => hostileReplies.find((hostile) => hostile.name === name)!.reply;
  const attempt = (timeoutMs = 1000) => new HookClient().send({ ...request(`${integrator.url}/pre-add-node`), timeoutMs });

  it('fails a 101 at once instead of hanging', async () => {
    integrator = await startRawIntegrator(reply('101 switching protocols, then silence'));
    const started = performance.now();
    const error = await failure(attempt(5000));
    expect([error.code, error.details.statusCode]).to.deep.equal(['ERR_HOOK_STATUS', 101]);
    expect(performance.now() - started).to.be.below(1000);
  });

  for (const name of ['101 without an upgrade header', 'body drips a byte every 100 ms', 'status line drips', '100 continue, then silence']) {
    it(`cuts "${name}" at the attempt timeout, a hard wall-clock limit`, async () => {
      integrator = await startRawIntegrator(reply(name));
      const started = performance.now();
      const error = await failure(attempt(400));
      expect(error.code).to.be.oneOf(['ERR_HOOK_TIMEOUT', 'ERR_HOOK_STATUS', 'ERR_HOOK_CONNECTION']);
      expect(performance.now() - started).to.be.within(0, 700);
    });
  }

  it('refuses a body that is not valid UTF-8 instead of passing U+FFFD on', async () => {
    integrator = await startRawIntegrator(reply('invalid UTF-8 in work_id'));
    expect((await failure(attempt())).code).to.equal('ERR_HOOK_REPLY_ENCODING');
  });

  it('does not inflate a compressed body: the compressed bytes are the reply, and not UTF-8', async () => {
    integrator = await startRawIntegrator(reply('gzip bomb'));
    const before = process.memoryUsage().rss;
    expect((await failure(attempt())).code).to.equal('ERR_HOOK_REPLY_ENCODING');
    expect(process.memoryUsage().rss - before).to.be.below(30 * 1024 * 1024);
  });

  it('gives the policy its answer in about a second when the endpoint refuses connections', async () => {
    integrator = await startRawIntegrator(http(200));
    const url = `${integrator.url}/pre-add-node`;
    await integrator.close();
    const started = performance.now();
    const error = await failure(sendWithRetries(new HookClient(), request(url), { budgetMs: 10_000, attemptTimeoutMs: 5_000 }));
    expect(error.code).to.equal('ERR_HOOK_CONNECTION');
    expect(performance.now() - started).to.be.below(1_500);
  });

  it('stops waiting between attempts as soon as it is aborted', async () => {
    integrator = await startRawIntegrator(http(503));
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100); // the abort comes while it waits between attempts: the behaviour
    const started = performance.now();
    const error = await failure(
      sendWithRetries(new HookClient(), request(`${integrator.url}/x`), { budgetMs: 10_000, attemptTimeoutMs: 5_000, backoffMs: 5_000, signal: controller.signal }),
    );
    expect(error.code).to.equal('ERR_HOOK_ABORTED');
    expect(performance.now() - started).to.be.below(500);
  });

  it('counts only attempts that show the endpoint down in the breaker', async () => {
    const breaker = new CircuitBreaker({ threshold: 2, cooldownMs: 60_000 });
    const options = (attemptTimeoutMs: number, budgetMs = 10_000) => ({ budgetMs, attemptTimeoutMs, breaker: { breaker, key: 'k' }, budgetIsCallers: true });
    integrator = await startRawIntegrator(http(400));
    for (let n = 0; n < 3; n++) await failure(sendWithRetries(new HookClient(), request(integrator.url), options(1000)));
    integrator.answer(() => undefined);
    // Cut short by the caller's budget, not the endpoint's fault.
    for (let n = 0; n < 3; n++) await failure(sendWithRetries(new HookClient(), request(integrator.url), options(5000, 100)));
    expect(breaker.admit('k')).to.equal('closed');
    integrator.answer(http(503));
    await failure(sendWithRetries(new HookClient(), request(integrator.url), { ...options(1000), backoffMs: 1 }));
    expect(breaker.admit('k')).to.equal('open');
  });
});
