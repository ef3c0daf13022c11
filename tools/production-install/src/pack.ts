/**
 * `npm run pack [-- <folder>]`: the public packages' tarballs, exactly, in one folder
 * (default `./tarballs`), and which of them each use needs.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { packTarballs } from './pack-tarballs.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
// npm runs scripts in the workspace root; a relative folder is the caller's.
const destination = resolve(process.env.INIT_CWD ?? process.cwd(), process.argv[2] ?? 'tarballs');
try {
  const tarballs = packTarballs(root, destination);
  console.log(`${tarballs.length} tarballs in ${destination}:\n${tarballs.map((file) => `  ${file}`).join('\n')}`);
  console.log(
    '\nWhich to install (npm install --omit=dev <files>):\n' +
      '  the hook client alone (sign, send, verify; seconds):  ccx-hook-hook-client-*.tgz\n' +
      '  mock-hooks in your own tests (startMockHooks):        ccx-hook-mock-hooks-*.tgz ccx-hook-hook-client-*.tgz\n' +
      '  the service and every command (better-sqlite3 compiles where no prebuilt binary downloads): *.tgz',
  );
} catch (error) {
  console.error(`npm run pack: ${(error as Error).message}`);
  process.exitCode = 1;
}
