import { expect } from 'chai';
import { decodeSecret, signatureHeader, verifySignature } from './signature.js';
import { decodeSigningKey, generateSigningKey, publicKeyText } from './signing-key.js';

// The test vector of DESIGN §3a: the Standard Webhooks specification's example (Svix's).
const vector = {
  signingKey: 'whsk_6Xb/dCcHpPea21PS1N9VY/NZW723CEc77N4rJCubMbfVKIDij2HKpMKkioLlX0dRqSKJp4AJ6p9lMicMFs6Kvg==',
  publicKey: 'whpk_1SiA4o9hyqTCpIqC5V9HUakiiaeACeqfZTInDBbOir4=',
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
  timestamp: 1614265330,
  body: '{"test": 2432232314}',
  v1a: 'v1a,hnO3f9T8Ytu9HwrXslvumlUpqtNVqkhqw/enGzPCXe5BdqzCInXqYXFymVJaA7AZdpXwVLPo3mNl8EM+m7TBAg==',
  v1: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
};

describe('v1a signatures (DESIGN §3a)', () => {
  it('reproduces the specification\'s vector, v1 and v1a in one header', () => {
    const key = decodeSigningKey(vector.signingKey);
    expect(publicKeyText(key)).to.equal(vector.publicKey);
    const header = signatureHeader([decodeSecret(vector.secret)], vector.id, vector.timestamp, vector.body, [key]);
    expect(header).to.equal(`${vector.v1} ${vector.v1a}`);
  });

  it('verifies the vector with the public key or the secret, and nothing else', () => {
    const message = { id: vector.id, timestamp: String(vector.timestamp), signature: `${vector.v1} ${vector.v1a}`, body: vector.body };
    const at = vector.timestamp * 1000;
    expect(verifySignature([vector.publicKey], message, 300, at)).to.equal(true);
    expect(verifySignature([vector.secret], message, 300, at)).to.equal(true);
    expect(verifySignature([vector.publicKey], { ...message, signature: vector.v1 }, 300, at), 'v1 alone, public key').to.equal(false);
    expect(verifySignature([vector.secret], { ...message, signature: vector.v1a }, 300, at), 'v1a alone, secret').to.equal(false);
    expect(verifySignature([generateSigningKey().publicKey], message, 300, at), 'another key').to.equal(false);
    expect(verifySignature([vector.publicKey], message, 300, at + 301_000), 'too old').to.equal(false);
  });

  it('generates pairs whose public key is the signing key\'s', () => {
    const { signingKey, publicKey } = generateSigningKey();
    expect(signingKey).to.match(/^whsk_[A-Za-z0-9+/]{86}==$/);
    expect(publicKeyText(decodeSigningKey(signingKey))).to.equal(publicKey);
  });
});
