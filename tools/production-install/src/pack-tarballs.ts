import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

/** The workspace's public packages (those not `private`), as workspace paths, in build order. */
export function publicPackages(root: string): string[] {
  const { workspaces } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { workspaces: string[] };
  return workspaces.filter((path) => !(JSON.parse(readFileSync(join(root, path, 'package.json'), 'utf8')) as { private?: boolean }).private);
}

/**
 * Packs every public package of the built workspace at `root` into `destination`, which is
 * emptied of tarballs first, and returns the tarballs' file names. Throws when a tarball carries
 * build artefacts (specs, source maps, tsbuildinfo, sources).
 */
export function packTarballs(root: string, destination: string): string[] {
  mkdirSync(destination, { recursive: true });
  for (const file of readdirSync(destination)) if (file.endsWith('.tgz')) rmSync(join(destination, file));
  const paths = publicPackages(root);
  execFileSync('npm', ['pack', '--silent', '--pack-destination', destination, ...paths.flatMap((path) => ['-w', path])], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  const tarballs = readdirSync(destination).filter((file) => file.endsWith('.tgz'));
  for (const tarball of tarballs) {
    const files = execFileSync('tar', ['-tzf', join(destination, tarball)], { encoding: 'utf8' }).split('\n');
    const stray = files.filter((file) => /\.tsbuildinfo$|\.map$|\.spec\.|\/src\/|\/testing\//.test(file));
    if (stray.length > 0) throw new Error(`${tarball} carries build artefacts: ${stray.join(', ')}`);
  }
  return tarballs.sort();
}
