import { expect } from 'chai';
import { UsageError } from '@ccx-hook/cli';
import { localTarget } from './local-server.js';

describe('localTarget', () => {
  it('takes a URL, host[:port] or a bare port on this machine', () => {
    const here = (url: string) => ({ url, onThisMachine: true });
    expect(localTarget(undefined)).to.deep.equal(here('http://127.0.0.1:8080'));
    expect(localTarget('18080')).to.deep.equal(here('http://127.0.0.1:18080'));
    expect(localTarget('localhost')).to.deep.equal(here('http://localhost:8080'));
    expect(localTarget('127.0.0.2:9000')).to.deep.equal(here('http://127.0.0.2:9000'));
    expect(localTarget('[::1]:9000')).to.deep.equal(here('http://[::1]:9000'));
    expect(localTarget('https://localhost:8443/ccx')).to.deep.equal(here('https://localhost:8443/ccx'));
  });

  it('takes any other host too (the original README\'s "local-server myserver"), and says it is not this machine', () => {
    const there = (url: string) => ({ url, onThisMachine: false });
    expect(localTarget('myserver')).to.deep.equal(there('http://myserver:8080'));
    expect(localTarget('myserver:9000')).to.deep.equal(there('http://myserver:9000'));
    expect(localTarget('https://billing.example/ccx')).to.deep.equal(there('https://billing.example/ccx'));
    expect(localTarget('10.0.0.1')).to.deep.equal(there('http://10.0.0.1:8080'));
    expect(localTarget('http://127.0.0.1.example.com')).to.deep.equal(there('http://127.0.0.1.example.com'));
  });

  it('refuses what is not a URL, and a query or fragment (the hook name is appended to the path)', () => {
    expect(() => localTarget('http://')).to.throw(UsageError, /must be a URL/);
    expect(() => localTarget('my server')).to.throw(UsageError, /must be a URL/);
    expect(() => localTarget('http://myserver/x?key=1')).to.throw(UsageError, /query or a fragment/);
  });
});
