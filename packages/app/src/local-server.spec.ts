import { expect } from 'chai';
import { UsageError } from '@ccx-hook/cli';
import { localTarget } from './local-server.js';

describe('localTarget', () => {
  it('takes a URL, host[:port] or a bare port, on this machine', () => {
    expect(localTarget(undefined)).to.equal('http://127.0.0.1:8080');
    expect(localTarget('18080')).to.equal('http://127.0.0.1:18080');
    expect(localTarget('localhost')).to.equal('http://localhost:8080');
    expect(localTarget('127.0.0.2:9000')).to.equal('http://127.0.0.2:9000');
    expect(localTarget('[::1]:9000')).to.equal('http://[::1]:9000');
    expect(localTarget('https://localhost:8443/ccx')).to.equal('https://localhost:8443/ccx');
  });

  it('refuses a target off the machine, naming it', () => {
    for (const target of ['http://example.com', 'example.com:80', '10.0.0.1', '0.0.70.160:80', 'http://127.0.0.1.example.com']) {
      expect(() => localTarget(target), target).to.throw(UsageError, /this machine only/);
    }
    expect(() => localTarget('http://')).to.throw(UsageError, /must be a URL/);
  });
});
