import { execFileSync } from 'node:child_process';
import { expect } from 'chai';
import { turnBufferedOutput } from './turn-buffered-output.js';

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('turnBufferedOutput', () => {
  it('writes the lines of one turn of the event loop together, once that turn is over', async () => {
    const writes: string[] = [];
    const output = turnBufferedOutput({ write: (text: string) => writes.push(text) });
    output.write('one\n');
    output.write('two\n');
    expect(writes).to.deep.equal([]);
    await turn();
    output.write('three\n');
    await turn();
    expect(writes).to.deep.equal(['one\ntwo\n', 'three\n']);
  });

  it('writes what is pending when the process exits within the turn', () => {
    const module = new URL('./turn-buffered-output.js', import.meta.url).href;
    const program = `import { turnBufferedOutput } from '${module}';
      turnBufferedOutput(process.stdout).write('last line\\n');
      process.exit(3);`;
    let stdout = '';
    try {
      execFileSync(process.execPath, ['--input-type=module', '-e', program], { encoding: 'utf8' });
    } catch (error) {
      expect((error as { status: number }).status).to.equal(3);
      stdout = (error as { stdout: string }).stdout;
    }
    expect(stdout).to.equal('last line\n');
  });
});
