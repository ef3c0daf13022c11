import { cpus, totalmem } from 'node:os';

/** The median of `values` (0 for none). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** The `p`-th percentile (0–100) of `values`, nearest rank. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** Milliseconds `work` takes, on the monotonic clock. */
export async function timed(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return performance.now() - started;
}

/** A plain-text table with aligned columns. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  const line = (cells: string[]) => `| ${cells.map((cell, column) => cell.padEnd(widths[column]!)).join(' | ')} |`;
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)].join('\n');
}

export const fixed = (value: number, digits = 2) => value.toFixed(digits);

/** Prints a benchmark's table on stdout, headed by the machine and the rounds, and says when the PostgreSQL rows are missing. */
export function printResults(title: string, rounds: number, header: string[], rows: string[][], withPostgres: boolean): void {
  process.stdout.write(
    `\n${title}, ${new Date().toISOString().slice(0, 10)}: ${cpus().length} cores, ` +
      `${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}; medians of ${rounds} alternating rounds.\n\n` +
      `${table(header, rows)}\n`,
  );
  if (!withPostgres) process.stdout.write('PostgreSQL rows are missing: no server at TEST_POSTGRES_URL.\n');
}
