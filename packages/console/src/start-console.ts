import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import type { DeliveryStore, EndpointState } from '@ccx-hook/delivery';
import { errorCode, type Logger } from '@ccx-hook/hook-client';
import type { AttemptHistory } from './attempt-history.js';
import { ConsoleAuth, type Operator, sessionCookie } from './console-auth.js';
import { ConsoleViews } from './console-views.js';
import type { DecisionLog } from './decision-log.js';
import { ConsoleRequestError } from './errors.js';
import type { Html } from './html.js';
import { isLoopback, parseListenAddress } from './listen-address.js';
import { LiveUpdates } from './live-updates.js';
import { LoginThrottle } from './login-throttle.js';
import { errorPage, type Viewer } from './pages/layout.js';
import { loginPage } from './pages/login-page.js';
import { readForm, sameOrigin } from './request-parts.js';
import { RetryJobs } from './retry-jobs.js';

/** Options of `startConsole`. */
export interface ConsoleOptions {
  /** `host:port` to listen on; port 0 picks one. Reading is open without the token only on loopback. */
  address: string;
  /** The console token; without one the console is read-only (and must listen on loopback). */
  token?: string;
  store: DeliveryStore;
  decisions: DecisionLog;
  attempts: AttemptHistory;
  /** Each integrator endpoint's circuit, now. */
  circuits: () => Array<{ endpoint: string; open: boolean }>;
  /** The endpoints that are gone or paused now (DESIGN §5a). */
  endpoints: () => EndpointState[];
  /** Where the audit lines go (logins, retries, who did them). */
  logger: Logger;
  /** How often open pages get fresh figures, in ms. Default 2000. */
  liveIntervalMs?: number;
  /**
   * The host names the console answers to (the `Host` header, without its port), so that a
   * page of another site cannot read it by rebinding its own name to this address (DNS
   * rebinding). Default: the bound host, `localhost`, `127.0.0.1` and `::1`.
   */
  hosts?: readonly string[];
}

/** A listening console. */
export interface RunningConsole {
  port: number;
  close(): Promise<void>;
}

// Through the package's `./assets/*` export, so that they are found from the app's bundle too.
const assetPath = (name: string) => createRequire(import.meta.url).resolve(`@ccx-hook/console/assets/${name}`);
const assets: Record<string, { type: string; body: Buffer }> = Object.fromEntries(
  [
    ['console.css', 'text/css; charset=utf-8'],
    ['console.js', 'text/javascript; charset=utf-8'],
  ].map(([name, type]) => [`/assets/${name}`, { type: type!, body: readFileSync(assetPath(name!)) }]),
);

const securityHeaders = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
  'cache-control': 'no-store',
};

const errorTitles: Record<number, string> = { 403: 'Refused', 404: 'Not found', 421: 'Wrong host', 429: 'Too many attempts', 503: 'Unavailable' };

/**
 * Serves the operators' console: the overview, deliveries and their attempts,
 * pre- hook decisions, and retries. Pages are rendered on the server and work without
 * JavaScript; with it, open pages update over Server-Sent Events. Every action needs the
 * token and a CSRF token, and writes an audit log line naming the operator. Rejects when the
 * address cannot be bound, or when it is not loopback and there is no token.
 */
export async function startConsole(options: ConsoleOptions): Promise<RunningConsole> {
  const loopback = isLoopback(options.address);
  if (!loopback && options.token === undefined) throw new Error('a console off loopback needs a token');
  const auth = new ConsoleAuth(options.token, loopback);
  const jobs = new RetryJobs(options.store, options.logger);
  const views = new ConsoleViews({ ...options, jobs });
  const live = new LiveUpdates((view) => views.live(view), options.liveIntervalMs ?? 2_000);
  const { logger } = options;
  const listen = parseListenAddress(options.address);
  const hosts = new Set((options.hosts ?? [listen.host, 'localhost', '127.0.0.1', '::1']).map((name) => name.toLowerCase()));
  const throttle = new LoginThrottle();

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      const refused = errorCode(error) === 'ERR_CONSOLE_REQUEST' ? (error as ConsoleRequestError) : undefined;
      const status = refused?.status ?? 503;
      const message = refused?.message ?? `the store cannot answer: ${(error as Error).message}`;
      if (status === 503) logger.warn('console: request failed', { path: request.url, error: message });
      if (!response.headersSent) send(response, status, errorPage(viewerOf(auth, auth.identify(request)), errorTitles[status] ?? 'Bad request', message));
      else response.end();
    });
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const host = hostName(request.headers.host);
    if (host === undefined || !hosts.has(host)) {
      throw new ConsoleRequestError(421, `this console answers to ${[...hosts].join(', ')} only, not to "${request.headers.host ?? ''}" (console.hosts)`);
    }
    const url = new URL(request.url ?? '/', 'http://console');
    const asset = assets[url.pathname];
    if (asset && request.method === 'GET') {
      response.writeHead(200, { ...securityHeaders, 'content-type': asset.type, 'cache-control': 'max-age=300' }).end(asset.body);
      return;
    }
    if (url.pathname === '/favicon.ico') {
      response.writeHead(204).end();
      return;
    }
    const operator = auth.identify(request);
    const viewer = viewerOf(auth, operator);
    const remote = request.socket.remoteAddress ?? '';
    if (request.method === 'POST') {
      if (!sameOrigin(request)) throw new ConsoleRequestError(403, 'refused: the request comes from a page of another site');
      const form = await readForm(request);
      if (url.pathname === '/login') {
        const wait = throttle.waitSeconds(remote);
        if (wait > 0) {
          response.setHeader('retry-after', String(wait));
          throw new ConsoleRequestError(429, `too many failed logins from ${remote}; try again in ${wait} s`);
        }
        const session = auth.login(form.get('token') ?? '', form.get('name') ?? '');
        if (!session) {
          // One audit line per failure until the throttle starts, then one for the burst.
          if (throttle.failed(remote)) logger.warn('console: logins throttled after repeated failures', { remote_address: remote });
          else logger.warn('console: login failed', { remote_address: remote });
          send(response, 401, loginPage(viewer, true, localPath(form.get('next'))));
          return;
        }
        logger.info('console: login', { operator: session.name, remote_address: remote });
        const secure = request.headers['x-forwarded-proto'] === 'https' ? '; Secure' : '';
        response.setHeader('set-cookie', `${sessionCookie}=${session.cookie}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${auth.sessionSeconds}${secure}`);
        redirect(response, localPath(form.get('next')));
        return;
      }
      if (!auth.mayAct(operator, form.get('csrf') ?? undefined)) {
        throw new ConsoleRequestError(403, operator ? 'refused: the form\'s CSRF token is missing or wrong; reload the page and try again' : 'refused: log in with the console token first');
      }
      if (url.pathname === '/logout') {
        response.setHeader('set-cookie', `${sessionCookie}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0`);
        redirect(response, '/');
        return;
      }
      redirect(response, await views.act(url.pathname, form, operator!, remote));
      return;
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') throw new ConsoleRequestError(405, 'only GET and POST are served');
    if (url.pathname === '/login') {
      send(response, 200, loginPage(viewer, false, localPath(url.searchParams.get('next'))));
      return;
    }
    if (!auth.mayRead(operator)) {
      send(response, 401, loginPage(viewer, false, localPath(url.pathname + url.search)));
      return;
    }
    if (url.pathname === '/events') {
      const view = views.liveView(url.searchParams.get('view') ?? '');
      if (!(await views.exists(view))) throw new ConsoleRequestError(404, `nothing to watch at ${view}`);
      const watcher = { viewer: operator?.nonce ?? operator?.name ?? remote, mayRead: () => auth.mayRead(auth.identify(request)) };
      if (!live.watch(view, response, watcher)) throw new ConsoleRequestError(429, 'too many live streams are open; close a page');
      return;
    }
    send(response, 200, await views.page(url, viewer));
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, listen.host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise((resolve) => {
        live.close();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function viewerOf(auth: ConsoleAuth, operator: Operator | undefined): Viewer {
  return { operator: operator?.name, csrf: auth.csrfToken(operator), canAct: auth.canAct };
}

function send(response: ServerResponse, status: number, page: Html): void {
  response.writeHead(status, { ...securityHeaders, 'content-type': 'text/html; charset=utf-8' }).end(page.value);
}

function redirect(response: ServerResponse, location: string): void {
  response.writeHead(303, { ...securityHeaders, location }).end();
}

/**
 * A path on this console to go back to; anything else becomes `/`: another site, a
 * protocol-relative or backslashed path, and any control character (a URL parser drops tabs
 * and newlines, so `/\t/evil.example` would become `//evil.example`).
 */
function localPath(path: string | null | undefined): string {
  if (!path || !path.startsWith('/') || /[\u0000-\u001f\u007f\\]/.test(path)) return '/';
  const url = new URL(path, 'http://console');
  return url.origin === 'http://console' && !path.startsWith('//') ? `${url.pathname}${url.search}` : '/';
}

/** The host name of a `Host` header, lower case, without its port or brackets; undefined when absent. */
function hostName(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const name = header.startsWith('[') ? header.slice(1, header.indexOf(']')) : header.replace(/:\d*$/, '');
  return name.toLowerCase();
}
