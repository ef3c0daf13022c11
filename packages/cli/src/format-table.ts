/** A time as operators read it: ISO 8601 in UTC (milliseconds only when there are some). */
export const time = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

/** Rows under a header, in columns as wide as their widest cell. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  const line = (cells: string[]) => cells.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}
