import { expect } from 'chai';
import { errorCode, HookError, InvalidSecretError, isHookError } from './errors.js';

describe('errorCode and isHookError', () => {
  it('read the code, so that an error thrown by another copy of the package is told apart the same way', () => {
    const fromAnotherCopy = Object.assign(new Error('no complete reply within 300ms'), { code: 'ERR_HOOK_TIMEOUT' });
    expect([errorCode(fromAnotherCopy), isHookError(fromAnotherCopy)]).to.deep.equal(['ERR_HOOK_TIMEOUT', true]);
    expect(isHookError(new HookError('ERR_HOOK_STATUS', 'integrator answered HTTP 500', { statusCode: 500 }))).to.equal(true);
  });

  it('say no for errors of other kinds, and for values that are not errors', () => {
    expect([errorCode(new InvalidSecretError('bad')), isHookError(new InvalidSecretError('bad'))]).to.deep.equal(['ERR_INVALID_SECRET', false]);
    expect([errorCode(new Error('plain')), errorCode(undefined), errorCode(null), errorCode({ code: 42 })]).to.deep.equal([
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
    expect(isHookError(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }))).to.equal(false);
  });
});
