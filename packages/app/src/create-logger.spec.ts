import { expect } from 'chai';
import type winston from 'winston';
import { jsonLine } from './create-logger.js';

const MESSAGE = Symbol.for('message');

function lineOf(info: Record<string, unknown>): string {
  const format = jsonLine();
  return (format.transform({ ...info } as winston.Logform.TransformableInfo, format.options) as Record<symbol, string>)[MESSAGE]!;
}

describe('jsonLine', () => {
  it('writes timestamp, level and message first, then the fields, with credentials redacted', () => {
    const line = lineOf({ hook: 'pre-add-node', secret: 'whsec_planted', auth_id: 'planted', level: 'info', message: 'decided' });
    expect(Object.keys(JSON.parse(line))).to.deep.equal(['timestamp', 'level', 'message', 'hook', 'secret', 'auth_id']);
    expect(JSON.parse(line)).to.include({ level: 'info', message: 'decided', hook: 'pre-add-node', secret: '[redacted]', auth_id: '[redacted]' });
    expect(Date.parse(JSON.parse(line).timestamp)).to.be.closeTo(Date.now(), 5_000);
    expect(line).not.to.include('planted');
  });

  it('still writes a line for fields JSON.stringify cannot encode (a cycle, a bigint)', () => {
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    const line = JSON.parse(lineOf({ cycle, big: 10n, secrets: ['planted'], level: 'warn', message: 'odd' }));
    expect(line).to.include({ level: 'warn', message: 'odd', big: '10', secrets: '[redacted]' });
    expect(line.cycle).to.deep.equal({ self: '[Circular]' });
  });
});
