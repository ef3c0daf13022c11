import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** Someone who proved they hold the console token. */
export interface Operator {
  /** The name given at login (for the audit log), or `bearer token`. */
  name: string;
  /** A browser session (its actions need the CSRF token) or an `Authorization: Bearer` request. */
  via: 'session' | 'bearer';
  /** The session's nonce: the CSRF token is derived from it. */
  nonce?: string;
}

/** The session cookie's name. */
export const sessionCookie = 'ccx_console_session';
/** How long a login lasts. */
const sessionMs = 12 * 60 * 60 * 1000;

/**
 * Who may do what on the console. Reading needs the token unless the console listens on
 * loopback; acting (retries) needs it always. The token is proved by `Authorization: Bearer`
 * or by a session cookie from the login form. Sessions are stateless (an expiry and a nonce,
 * signed with a key derived from the token), so every replica sharing the token accepts them
 * and changing the token ends them all. A session's actions carry a CSRF token derived from
 * its nonce; a bearer request needs none (a browser never adds that header by itself).
 */
export class ConsoleAuth {
  private readonly key: Buffer | undefined;

  /** `token` undefined: nobody can act, and reading is open only on loopback. */
  constructor(
    token: string | undefined,
    private readonly loopback: boolean,
    private readonly now: () => number = Date.now,
  ) {
    this.key = token === undefined ? undefined : deriveKey(token);
  }

  /** Whether a token is configured at all (without one, the console is read-only). */
  get canAct(): boolean {
    return this.key !== undefined;
  }

  /** The operator a request comes from, if it proves the token. */
  identify(request: IncomingMessage): Operator | undefined {
    if (!this.key) return undefined;
    const authorization = request.headers.authorization;
    if (authorization?.startsWith('Bearer ')) {
      return this.isToken(authorization.slice('Bearer '.length).trim()) ? { name: 'bearer token', via: 'bearer' } : undefined;
    }
    const cookie = cookieValue(request.headers.cookie, sessionCookie);
    if (!cookie) return undefined;
    const [name, expires, nonce, mac] = cookie.split('.');
    if (!name || !expires || !nonce || !mac || !same(mac, this.sign('session', `${name}.${expires}.${nonce}`))) return undefined;
    if (Number(expires) < this.now()) return undefined;
    return { name: Buffer.from(name, 'base64url').toString(), via: 'session', nonce };
  }

  /** Whether the request may read pages. */
  mayRead(operator: Operator | undefined): boolean {
    return this.loopback || operator !== undefined;
  }

  /**
   * A session (its cookie value, and the name it carries) for `name` when `token` is the
   * console token; undefined otherwise. The name only labels the audit log.
   */
  login(token: string, name: string): { cookie: string; name: string } | undefined {
    if (!this.isToken(token)) return undefined;
    const shown = name.trim().slice(0, 64) || 'operator';
    const label = Buffer.from(shown).toString('base64url');
    const expires = String(this.now() + sessionMs);
    const nonce = randomBytes(16).toString('base64url');
    return { cookie: `${label}.${expires}.${nonce}.${this.sign('session', `${label}.${expires}.${nonce}`)}`, name: shown };
  }

  /** The CSRF token a session's forms carry; undefined for anyone else. */
  csrfToken(operator: Operator | undefined): string | undefined {
    return operator?.via === 'session' ? this.sign('csrf', operator.nonce!) : undefined;
  }

  /** Whether `operator` may act with this form's `csrf` field. */
  mayAct(operator: Operator | undefined, csrf: string | undefined): boolean {
    if (operator?.via === 'bearer') return true;
    const expected = this.csrfToken(operator);
    return expected !== undefined && csrf !== undefined && same(csrf, expected);
  }

  /** `Max-Age` of the session cookie, in seconds. */
  get sessionSeconds(): number {
    return sessionMs / 1000;
  }

  /** Whether `candidate` is the token: compared as hashes of equal length, in constant time. */
  private isToken(candidate: string): boolean {
    return this.key !== undefined && timingSafeEqual(deriveKey(candidate), this.key);
  }

  private sign(purpose: 'session' | 'csrf', text: string): string {
    return createHmac('sha256', this.key!).update(`${purpose}\n${text}`).digest('base64url');
  }
}

/** The signing key (and the form the token is compared in): the token itself is not kept. */
function deriveKey(token: string): Buffer {
  return createHash('sha256').update(`ccx-hook-console\n${token}`).digest();
}

/** Compares in constant time. */
function same(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/** The value of cookie `name` in a `Cookie` header. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return value.join('=');
  }
  return undefined;
}
