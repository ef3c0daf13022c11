/** The length of `text` in Unicode code points (DESIGN §6), not UTF-16 units: an emoji is one. */
export function codePoints(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}
