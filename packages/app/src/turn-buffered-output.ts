import { Writable } from 'node:stream';

/**
 * A stream of log lines that reaches `target` (standard output) once per turn of the event
 * loop, after that turn's I/O callbacks (`setImmediate`): one write system call for the lines of
 * every call answered in the turn, instead of one each. Under load a turn answers several calls,
 * and a write to a pipe costs more than formatting its line. A process that exits flushes what
 * is pending in its `exit` event; a `kill -9` loses the lines of the turn in progress (less than
 * a turn; answers, enqueues and deliveries do not depend on them).
 */
export function turnBufferedOutput(target: { write(text: string): unknown }): Writable {
  let lines: string[] = [];
  const flush = () => {
    if (lines.length === 0) return;
    const text = lines.join('');
    lines = [];
    target.write(text);
  };
  process.once('exit', flush);
  return new Writable({
    decodeStrings: false,
    write(line: string, _encoding, done) {
      if (lines.length === 0) setImmediate(flush);
      lines.push(line);
      done();
    },
  });
}
