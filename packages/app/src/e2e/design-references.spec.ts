import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { workspaceRoot } from './cli-process.js';

describe('the repository carries the design document it cites', () => {
  it('has a docs/DESIGN.md section for every "DESIGN §…" in the code, the READMEs and deploy/', () => {
    const design = readFileSync(join(workspaceRoot, 'docs/DESIGN.md'), 'utf8');
    const sections = new Set([...design.matchAll(/^## (\w+)\. /gm)].map((match) => match[1]));
    const files = execFileSync('git', ['ls-files', '*.ts', '*.md', '*.yaml', 'Dockerfile'], { cwd: workspaceRoot, encoding: 'utf8' }).trim().split('\n');
    let cited = 0;
    for (const file of files) {
      for (const [, section] of readFileSync(join(workspaceRoot, file), 'utf8').matchAll(/DESIGN §(\w+)/g)) {
        cited++;
        expect(sections.has(section), `${file} cites DESIGN §${section}`).to.equal(true);
      }
    }
    expect(cited).to.be.above(20);
  });
});
