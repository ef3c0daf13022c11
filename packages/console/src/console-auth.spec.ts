import type { IncomingMessage } from 'node:http';
import { expect } from 'chai';
import { ConsoleAuth, sessionCookie } from './console-auth.js';

const token = 'a-console-token-of-the-tests';
const requestWith = (headers: Record<string, string>) => ({ headers }) as unknown as IncomingMessage;

describe('ConsoleAuth', () => {
  it('accepts a session until it expires, with a CSRF token of its own', () => {
    let now = Date.UTC(2026, 10, 29, 12);
    const auth = new ConsoleAuth(token, false, () => now);
    const first = auth.login(token, 'Dana')!;
    const second = auth.login(token, 'Dana')!;
    const operator = auth.identify(requestWith({ cookie: `other=1; ${sessionCookie}=${first.cookie}` }));
    expect(operator).to.include({ name: 'Dana', via: 'session' });
    const csrf = auth.csrfToken(operator)!;
    expect(auth.mayAct(operator, csrf)).to.equal(true);
    expect(auth.csrfToken(auth.identify(requestWith({ cookie: `${sessionCookie}=${second.cookie}` })))).not.to.equal(csrf);
    now += 12 * 60 * 60 * 1000 + 1;
    expect(auth.identify(requestWith({ cookie: `${sessionCookie}=${first.cookie}` }))).to.equal(undefined);
  });

  it('takes the bearer token, needs no CSRF token for it, and refuses everything without a configured token', () => {
    const auth = new ConsoleAuth(token, false);
    const bearer = auth.identify(requestWith({ authorization: `Bearer ${token}` }));
    expect(bearer).to.include({ via: 'bearer' });
    expect(auth.mayAct(bearer, undefined)).to.equal(true);
    expect(auth.identify(requestWith({ authorization: `Bearer ${token}x` }))).to.equal(undefined);
    expect(auth.login(`${token}x`, 'Eve')).to.equal(undefined);
    const none = new ConsoleAuth(undefined, true);
    expect(none.mayRead(undefined)).to.equal(true);
    expect(none.login('', 'Eve')).to.equal(undefined);
    expect(none.mayAct(undefined, 'anything')).to.equal(false);
  });
});
