import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** A memory cgroup that processes can be started in, as in a container with a memory limit. */
export interface MemoryCgroup {
  limitMb: number;
  /** The file and arguments that run `argv` inside the cgroup (the process joins it, then execs, keeping its pid). */
  command(argv: string[]): [string, string[]];
  /** Removes the cgroup once its processes have exited. */
  remove(): void;
}

/**
 * A memory cgroup limited to `limitMb`, as a container's memory limit is. Node sizes its heap
 * from that limit, not from the host's memory: under 512 MiB it picks a 2 MB young generation
 * and a 259 MB heap limit, against 32 MB and 4 GB on this 24 GiB host. Needs root and a writable
 * memory controller (cgroup v1 or v2); undefined when there is none.
 */
export function createMemoryCgroup(limitMb: number): MemoryCgroup | undefined {
  const name = `ccx-hook-bench-${process.pid}`;
  const layouts = [
    { dir: join('/sys/fs/cgroup/memory', name), limitFile: 'memory.limit_in_bytes' },
    { dir: join('/sys/fs/cgroup', name), limitFile: 'memory.max', needs: '/sys/fs/cgroup/cgroup.subtree_control' },
  ];
  for (const { dir, limitFile, needs } of layouts) {
    try {
      if (needs !== undefined && !readFileSync(needs, 'utf8').split(/\s+/).includes('memory')) continue;
      if (!existsSync(dir)) mkdirSync(dir);
      writeFileSync(join(dir, limitFile), String(limitMb * 2 ** 20));
      const procs = join(dir, 'cgroup.procs');
      return {
        limitMb,
        command: (argv) => ['sh', ['-c', 'echo $$ > "$0" && exec "$@"', procs, ...argv]],
        remove: () => rmdirSync(dir),
      };
    } catch {
      // Not root, or no such controller here: try the next layout.
    }
  }
  return undefined;
}
