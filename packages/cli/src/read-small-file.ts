import { readFileSync, statSync } from 'node:fs';

/** Files the service and its commands read (configuration, secrets, certificates) are small. */
const maxFileBytes = 1024 * 1024;

/**
 * Reads a regular file of at most 1 MiB as UTF-8. Throws an `Error` whose message says why
 * not (`ENOENT`, `not a regular file`, `larger than 1 MiB`), so that `/dev/zero` or a
 * directory is an error rather than a read that never ends.
 */
export function readSmallFile(file: string): string {
  let stat;
  try {
    stat = statSync(file);
  } catch (error) {
    throw new Error(String((error as NodeJS.ErrnoException).code));
  }
  if (!stat.isFile()) throw new Error('not a regular file');
  if (stat.size > maxFileBytes) throw new Error('larger than 1 MiB');
  return readFileSync(file, 'utf8');
}
