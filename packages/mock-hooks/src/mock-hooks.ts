import { appendFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { canReject, decodePublicKey, decodeSecret, isHookName, newWebhookId, verifySignature } from '@ccx-hook/hook-client';
import { formatHook } from './format-hook.js';

/** Options of `startMockHooks`. */
export interface MockHooksOptions {
  /** Interface to listen on. Default `127.0.0.1`. */
  host?: string;
  /** Port to listen on; 0 picks a free one. Default 8080. */
  port?: number;
  /** Reject pre-create-cluster and pre-add-node with this reason. Default: approve everything. */
  reject?: string;
  /** Fraction (0–1) of requests answered with HTTP 500. Default 0. */
  failRatio?: number;
  /** Wait this long before answering, in ms. Default 0. */
  latencyMs?: number;
  /** Verify `webhook-signature` with these secrets (`whsec_…`, its `v1` part); a bad one gets HTTP 401. */
  secrets?: readonly string[];
  /** Verify `webhook-signature` with these public keys (`whpk_…`, its `v1a` part); a bad one gets HTTP 401. */
  publicKeys?: readonly string[];
  /** Append every hook received, as one JSON object per line, to this file. */
  recordFile?: string;
  /** Where each hook is printed. Default: nowhere. */
  print?: (text: string) => void;
  /**
   * Chooses the answer to a hook, for tests that script the integrator; `undefined` falls
   * back to the behaviour above. Called after signature verification.
   */
  respond?: (hook: IncomingHook) => MockAnswer | undefined | Promise<MockAnswer | undefined>;
}

/** A hook as it arrives, before it is answered. */
export interface IncomingHook {
  /** The hook name, from the URL path. */
  hook: string;
  /** Request headers, lower case. */
  headers: Record<string, string>;
  /** The raw body. */
  body: string;
}

/** A scripted answer. */
export interface MockAnswer {
  status: number;
  /** Sent as JSON, or as is when a string. Default `{}`. */
  body?: unknown;
  headers?: Record<string, string>;
  /** Wait this long before answering, in ms. */
  delayMs?: number;
}

/** A hook as the mock received and answered it. */
export interface ReceivedHook extends IncomingHook {
  /** The HTTP status the mock answered with. */
  status: number;
  /** The body the mock answered with. */
  reply: string;
  /** When it arrived, ms since the epoch. */
  receivedAt: number;
}

/** A running mock receiver. */
export interface MockHooks {
  /** Its base URL, to configure as `hooks.url`. */
  url: string;
  port: number;
  /** Every hook received so far, oldest first. */
  received: ReceivedHook[];
  close(): Promise<void>;
}

const maxBody = 1024 * 1024;

/**
 * Starts an HTTP receiver that plays the integrator: `POST /<hook-name>` answers pre- hooks
 * `{"approved": true, "work_id": "<new id>"}` and post- hooks `{}`, with options to reject,
 * fail, delay and verify signatures. Rejects when the port cannot be bound or the record
 * file cannot be written.
 */
export async function startMockHooks(options: MockHooksOptions = {}): Promise<MockHooks> {
  // A secret that cannot verify anything must stop the start, not fail every hook with 401.
  for (const secret of options.secrets ?? []) decodeSecret(secret);
  for (const key of options.publicKeys ?? []) decodePublicKey(key);
  const received: ReceivedHook[] = [];
  const server = createServer((request, response) => {
    readBody(request).then(
      (body) =>
        handle(options, request, body, response, received).catch((error: Error) => {
          options.print?.(`cannot handle ${request.url}: ${error.message}`);
          response.writeHead(500).end();
        }),
      () => response.writeHead(413).end(),
    );
  });
  // Fail at start, not at the first hook, when the record file cannot be written.
  if (options.recordFile) await appendFile(options.recordFile, '');
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 8080, options.host ?? '127.0.0.1', () => resolve());
  });
  const { address, port } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;
  return {
    url: `http://${host}:${port}`,
    port,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function handle(
  options: MockHooksOptions,
  request: IncomingMessage,
  body: string,
  response: ServerResponse,
  received: ReceivedHook[],
): Promise<void> {
  const receivedAt = Date.now();
  const hook = (request.url ?? '/').split('?')[0]!.split('/').filter(Boolean).pop() ?? '';
  const headers = Object.fromEntries(
    Object.entries(request.headers).map(([name, value]) => [name, Array.isArray(value) ? value.join(', ') : value ?? '']),
  );
  const incoming = { hook, headers, body };
  const answer = (await decide(options, request.method ?? '', incoming)) ?? defaultAnswer(options, hook);
  const delayMs = answer.delayMs ?? options.latencyMs ?? 0;
  if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
  const reply = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body ?? {});
  const record = { ...incoming, status: answer.status, reply, receivedAt };
  received.push(record);
  options.print?.(formatHook(record));
  if (options.recordFile) {
    const line = { received_at: new Date(receivedAt).toISOString(), hook, headers, body, status: answer.status, reply };
    await appendFile(options.recordFile, `${JSON.stringify(line)}\n`);
  }
  response.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers }).end(reply);
}

/** The answers that do not depend on the hook's name: bad requests, signatures, scripted and random failures. */
async function decide(options: MockHooksOptions, method: string, incoming: IncomingHook): Promise<MockAnswer | undefined> {
  if (method !== 'POST') return { status: 405, body: { error: 'hooks are POSTed' } };
  if (!/^(pre|post)-[a-z-]+$/.test(incoming.hook)) return { status: 404, body: { error: 'no hook at this path' } };
  const keys = [...(options.secrets ?? []), ...(options.publicKeys ?? [])];
  if (keys.length > 0) {
    const signed = {
      id: incoming.headers['webhook-id'] ?? '',
      timestamp: incoming.headers['webhook-timestamp'] ?? '',
      signature: incoming.headers['webhook-signature'] ?? '',
      body: incoming.body,
    };
    if (!verifySignature(keys, signed)) return { status: 401, body: { error: 'invalid signature' } };
  }
  const scripted = await options.respond?.(incoming);
  if (scripted) return scripted;
  if (options.failRatio && Math.random() < options.failRatio) return { status: 500, body: { error: 'failing on purpose' } };
  return undefined;
}

function defaultAnswer(options: MockHooksOptions, hook: string): MockAnswer {
  if (hook.startsWith('post-')) return { status: 200, body: {} };
  if (options.reject !== undefined && isHookName(hook) && canReject(hook)) return { status: 200, body: { approved: false, reason: options.reject } };
  return { status: 200, body: { approved: true, work_id: newWebhookId().replace('msg_', 'work_') } };
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBody) {
        request.destroy();
        reject(new Error('body too large'));
      } else {
        chunks.push(chunk);
      }
    });
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}
