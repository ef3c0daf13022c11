import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, relative } from 'node:path';
import { expect } from 'chai';
import { workspaceRoot } from './cli-process.js';

/** Whether a source file is part of a package's tests: specs, their helpers, the end-to-end suite. */
const isTestSource = (path: string) => /\.spec\.ts$|\/testing\/|\/e2e\//.test(path);

/** `pg`, `@grpc/grpc-js`, `node:fs` → the package a specifier names. */
const packageOf = (specifier: string) => specifier.split('/').slice(0, specifier.startsWith('@') ? 2 : 1).join('/');

describe('the packages build and run on their production dependencies alone', () => {
  const packages = readdirSync(join(workspaceRoot, 'packages'));

  for (const name of packages) {
    it(`packages/${name}: every module its production sources import is one of its dependencies`, () => {
      const dir = join(workspaceRoot, 'packages', name);
      const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
      const sources = (readdirSync(join(dir, 'src'), { recursive: true }) as string[])
        .map((file) => `src/${file}`)
        .filter((file) => file.endsWith('.ts') && !isTestSource(file));
      const strays: string[] = [];
      for (const file of sources) {
        const text = readFileSync(join(dir, file), 'utf8');
        for (const [, specifier] of text.matchAll(/(?:from|import)\s*\(?\s*'([^'.][^']*)'/g)) {
          const module = packageOf(specifier!);
          if (module.startsWith('node:') || builtinModules.includes(module)) continue;
          if (!manifest.dependencies?.[module]) strays.push(`${file} imports ${module}`);
        }
      }
      expect(sources.length, 'production sources found').to.be.above(0);
      expect(strays).to.deep.equal([]);
    });
  }

  it('compiles each package\'s production sources as a project of their own: no spec, test helper or test library in it', function () {
    this.timeout(120_000);
    const tsc = join(workspaceRoot, 'node_modules/.bin/tsc');
    for (const name of packages) {
      const files = execFileSync(tsc, ['-p', join('packages', name, 'tsconfig.json'), '--listFilesOnly'], { cwd: workspaceRoot, encoding: 'utf8' })
        .trim()
        .split('\n')
        .map((file) => relative(workspaceRoot, file));
      expect(files.filter((file) => file.startsWith(`packages/${name}/src/`)).length, `packages/${name} sources`).to.be.above(0);
      const testing = files.filter((file) => isTestSource(file) || /^tools\/|node_modules\/(chai|mocha|@types\/(chai|mocha))\//.test(file));
      expect(testing, `packages/${name}/tsconfig.json`).to.deep.equal([]);
    }
  });
});
