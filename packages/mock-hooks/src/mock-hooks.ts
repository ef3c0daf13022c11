import { appendFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { newWebhookId, verifySignature } from '@ccx-hook/hook-client';
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
  /** Verify `webhook-signature` with these secrets (`whsec_…`); a bad one gets HTTP 401. */
  secrets?: readonly string[];
  /** Append every hook received, as one JSON object per line, to this file. */
  recordFile?: string;
  /** Where each hook is printed. Default: nowhere. */
  print?: (text: string) => void;
}

/** A hook as the mock received it. */
export interface ReceivedHook {
  /** The hook name, from the URL path. */
  hook: string;
  /** Request headers, lower case. */
  headers: Record<string, string>;
  /** The raw body. */
  body: string;
  /** The HTTP status the mock answered with. */
  status: number;
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
 * fail, delay and verify signatures. Rejects when the port cannot be bound.
 */
export async function startMockHooks(options: MockHooksOptions = {}): Promise<MockHooks> {
  const received: ReceivedHook[] = [];
  const server = createServer((request, response) => {
    readBody(request).then(
      (body) => handle(options, request, body, response, received),
      () => answer(response, 413, { error: `body larger than ${maxBody} bytes` }),
    );
  });
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
  const hook = (request.url ?? '/').split('?')[0]!.split('/').filter(Boolean).pop() ?? '';
  const headers = Object.fromEntries(
    Object.entries(request.headers).map(([name, value]) => [name, Array.isArray(value) ? value.join(', ') : value ?? '']),
  );
  if (options.latencyMs) await new Promise((resolve) => setTimeout(resolve, options.latencyMs));
  const [status, reply] = decide(options, request.method ?? '', hook, headers, body);
  const hookRecord = { hook, headers, body, status };
  received.push(hookRecord);
  options.print?.(formatHook(hookRecord));
  if (options.recordFile) {
    await appendFile(options.recordFile, `${JSON.stringify({ received_at: new Date().toISOString(), ...hookRecord })}\n`);
  }
  answer(response, status, reply);
}

function decide(
  options: MockHooksOptions,
  method: string,
  hook: string,
  headers: Record<string, string>,
  body: string,
): [number, object] {
  if (method !== 'POST') return [405, { error: 'hooks are POSTed' }];
  if (!/^(pre|post)-[a-z-]+$/.test(hook)) return [404, { error: `no hook at this path` }];
  if (options.secrets?.length) {
    const signed = {
      id: headers['webhook-id'] ?? '',
      timestamp: headers['webhook-timestamp'] ?? '',
      signature: headers['webhook-signature'] ?? '',
      body,
    };
    if (!verifySignature(options.secrets, signed)) return [401, { error: 'invalid signature' }];
  }
  if (options.failRatio && Math.random() < options.failRatio) return [500, { error: 'failing on purpose' }];
  if (hook.startsWith('post-')) return [200, {}];
  const canReject = hook === 'pre-create-cluster' || hook === 'pre-add-node';
  if (options.reject !== undefined && canReject) return [200, { approved: false, reason: options.reject }];
  return [200, { approved: true, work_id: newWebhookId().replace('msg_', 'work_') }];
}

function answer(response: ServerResponse, status: number, body: object): void {
  response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
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
