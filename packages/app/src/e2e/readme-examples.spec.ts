import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { HookClient, HookError, newWebhookId } from '@ccx-hook/hook-client';
import { type MockHooks, startMockHooks } from '@ccx-hook/mock-hooks';
import { CliProcess, workspaceRoot } from './cli-process.js';

const run = promisify(execFile);
const secret = `whsec_${Buffer.from('readme-examples-secret-32-bytes!').toString('base64')}`;

/** The fenced block after `<!-- example: name -->` in `readme` (a path in the workspace). */
function example(readme: string, name: string): string {
  const text = readFileSync(join(workspaceRoot, readme), 'utf8');
  const block = new RegExp(`<!-- example: ${name} -->\\n\`\`\`\\w+\\n([\\s\\S]*?)\`\`\``).exec(text)?.[1];
  if (!block) throw new Error(`${readme} has no example "${name}"`);
  return block;
}

// As a user outside this repository: `npm run pack`, a new folder (`npm init -y`), the
// README's install lines, the example pasted into a file, TypeScript 7's `tsc --init` defaults.
describe('README examples, pasted into a fresh folder outside the workspace', function () {
  this.timeout(180_000);
  let dir: string;
  let project: string;
  let mock: MockHooks;
  const tsc = () => join(project, 'node_modules/.bin/tsc');

  /**
   * A subfolder that is an ES module project with `tsc --init`'s tsconfig.json (with
   * `"types": ["node"]` when `nodeTypes`, as the README asks of code that uses Node's own
   * modules), holding `source` as index.ts, compiled.
   */
  async function compiled(name: string, source: string, nodeTypes = false): Promise<string> {
    const folder = join(project, name);
    mkdirSync(folder);
    writeFileSync(join(folder, 'package.json'), '{ "type": "module" }\n');
    await run(tsc(), ['--init'], { cwd: folder });
    if (nodeTypes) {
      const config = readFileSync(join(folder, 'tsconfig.json'), 'utf8');
      expect(config).to.include('"types": []');
      writeFileSync(join(folder, 'tsconfig.json'), config.replace('"types": []', '"types": ["node"]'));
    }
    writeFileSync(join(folder, 'index.ts'), source);
    const result = await run(tsc(), [], { cwd: folder }).catch((error: { stdout: string }) => ({ stdout: error.stdout, failed: true }));
    expect(result, `tsc in ${name}:\n${result.stdout}`).not.to.have.property('failed');
    return folder;
  }

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ccx-readme-examples-'));
    const packed = await run(process.execPath, [join(workspaceRoot, 'tools/production-install/dist/pack.js'), join(dir, 'tarballs')]);
    expect(packed.stdout).to.match(/^9 tarballs in /);
    project = join(dir, 'project');
    mkdirSync(project);
    await run('npm', ['init', '-y'], { cwd: project });
    const npm = ['--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'];
    await run('npm', ['install', ...npm, '../tarballs/ccx-hook-hook-client-0.1.0.tgz', '../tarballs/ccx-hook-mock-hooks-0.1.0.tgz', 'standardwebhooks'], { cwd: project });
    await run('npm', ['install', ...npm, '-D', 'typescript@7', '@types/node'], { cwd: project });
    mock = await startMockHooks({ port: 0, secrets: [secret] });
  });
  after(async () => {
    await mock?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('npm run pack wrote exactly the public packages', () => {
    const { workspaces } = JSON.parse(readFileSync(join(workspaceRoot, 'package.json'), 'utf8')) as { workspaces: string[] };
    const names = workspaces
      .map((path) => JSON.parse(readFileSync(join(workspaceRoot, path, 'package.json'), 'utf8')) as { name: string; version: string; private?: boolean })
      .filter((manifest) => !manifest.private)
      .map(({ name, version }) => `${name.replace('@', '').replace('/', '-')}-${version}.tgz`);
    expect(readdirSync(join(dir, 'tarballs')).sort()).to.deep.equal(names.sort());
  });

  it('the hook client as an ES module in TypeScript 7 compiles with tsc --init\'s settings and sends a signed hook', async () => {
    const folder = await compiled('esm', example('packages/hook-client/README.md', 'hook-client-esm'));
    const { stdout } = await run(process.execPath, ['index.js'], { cwd: folder, env: { ...process.env, HOOK_SECRET: secret, HOOK_URL: mock.url } });
    expect(stdout).to.match(/^200 \{"approved":true,"work_id":"\S+"\} 1\n$/);
    expect(mock.received.at(-1)).to.include({ hook: 'pre-add-node', status: 200 });
  });

  it('the hook client from CommonJS (npm init -y) sends a signed hook', async () => {
    writeFileSync(join(project, 'index.js'), example('packages/hook-client/README.md', 'hook-client-commonjs'));
    const { stdout } = await run(process.execPath, ['index.js'], { cwd: project, env: { ...process.env, HOOK_SECRET: secret, HOOK_URL: mock.url } });
    expect(stdout).to.equal('200\n');
    expect(mock.received.at(-1)).to.include({ hook: 'post-add-node', status: 200 });
  });

  it('mock-hooks in TypeScript 7 compiles and starts', async () => {
    const folder = await compiled('mock', example('packages/mock-hooks/README.md', 'mock-hooks'));
    const { stdout } = await run(process.execPath, ['index.js'], { cwd: folder, env: { ...process.env, HOOK_SECRET: secret } });
    expect(stdout).to.match(/^http:\/\/127\.0\.0\.1:\d+ \[\]\n$/);
  });

  it("the integrator's receiver in TypeScript 7 with http verifies, approves and rejects", async () => {
    const folder = await compiled('receiver', example('README.md', 'integrator-receiver'), true);
    const receiver = new CliProcess([], { HOOK_SECRET: secret, PORT: '0' }, folder, [process.execPath, 'index.js']);
    try {
      const url = `http://127.0.0.1:${(await receiver.waitFor(/^listening on \d+$/)).split(' ').at(-1)}`;
      const send = (hook: string, body: object, secrets = [secret]) =>
        new HookClient({ secrets }).send({ url: `${url}/${hook}`, hookName: hook, webhookId: newWebhookId(), attempt: 1, timeoutMs: 5_000, body: JSON.stringify(body) });
      expect(JSON.parse((await send('pre-add-node', { cluster_id: 'c1', node_count: 1 })).body)).to.deep.equal({ approved: true, work_id: 'work-c1' });
      expect(JSON.parse((await send('pre-add-node', { cluster_id: 'c1', node_count: 5 })).body)).to.include({ approved: false });
      expect((await send('post-delete-cluster', { cluster_id: 'c1' })).statusCode).to.equal(200);
      const other = `whsec_${Buffer.from('another-secret-of-thirty-two-by!').toString('base64')}`;
      const refused = await send('pre-add-node', { cluster_id: 'c1' }, [other]).catch((error: HookError) => error);
      expect(refused).to.be.instanceOf(HookError).and.to.have.nested.property('details.statusCode', 401);
    } finally {
      await receiver.stop();
    }
  });
});

// The examples of the packages' own READMEs (inside the workspace, some private): each
// type-checks, as written, against the packages' published declarations.
describe('every other TypeScript example in a README type-checks against the packages', function () {
  this.timeout(60_000);

  it('compiles each one with strict settings', async () => {
    const readmes = execFileSync('git', ['ls-files', 'README.md', '*/README.md'], { cwd: workspaceRoot, encoding: 'utf8' }).trim().split('\n');
    // Inside an ES module package of the workspace, so that the packages resolve as a user's would.
    const folder = mkdtempSync(join(workspaceRoot, 'packages/app/.readme-check-'));
    try {
      const written: string[] = [];
      for (const readme of readmes) {
        const text = readFileSync(join(workspaceRoot, readme), 'utf8');
        for (const [, marker, code] of text.matchAll(/(<!-- example: [\w-]+ -->\n)?```ts\n([\s\S]*?)```/g)) {
          if (marker) continue; // run in a fresh folder above
          const name = `${readme.replace(/\/?README\.md$/, '').replace(/\W+/g, '-') || 'root'}-${written.length}.ts`;
          writeFileSync(join(folder, name), code!);
          written.push(name);
        }
      }
      expect(written.length).to.be.at.least(10);
      const compilerOptions = { strict: true, module: 'nodenext', target: 'es2022', noEmit: true, skipLibCheck: true, types: ['node', 'mocha'], moduleDetection: 'force' };
      writeFileSync(join(folder, 'tsconfig.json'), JSON.stringify({ compilerOptions, include: ['*.ts'] }));
      const result = await run(join(workspaceRoot, 'node_modules/.bin/tsc'), ['-p', folder]).catch((error: { stdout: string }) => ({ stdout: error.stdout, failed: true }));
      expect(result, result.stdout).not.to.have.property('failed');
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
