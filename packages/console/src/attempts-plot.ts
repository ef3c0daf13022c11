import type { AttemptResult } from '@ccx-hook/hook-client';
import type { MinuteCounts } from './attempt-history.js';
import { type Html, html } from './html.js';

/** Results in stacking order (successes at the bottom), each with its colour class. */
export const resultOrder: readonly AttemptResult[] = ['2xx', '1xx', '3xx', '4xx', '5xx', 'timeout', 'connection_error', 'aborted'];

const width = 600;
const height = 120;

/**
 * An SVG bar chart of attempts per minute, one stacked bar per minute, with its legend.
 * Rendered on the server, so it shows without JavaScript.
 */
export function attemptsPlot(minutes: readonly MinuteCounts[]): Html {
  const totals = minutes.map(({ counts }) => Object.values(counts).reduce((sum, n) => sum + (n ?? 0), 0));
  const peak = Math.max(1, ...totals);
  const slot = width / minutes.length;
  const bars = minutes.flatMap(({ minute, counts }, index) => {
    let y = height;
    return resultOrder.flatMap((result) => {
      const n = counts[result] ?? 0;
      if (n === 0) return [];
      const h = (n / peak) * height;
      y -= h;
      const label = `${new Date(minute).toISOString().slice(11, 16)} UTC: ${n} × ${result}`;
      return [html`<rect class="r-${result}" x="${(index * slot + 1).toFixed(1)}" y="${y.toFixed(1)}" width="${(slot - 2).toFixed(1)}" height="${h.toFixed(1)}"><title>${label}</title></rect>`];
    });
  });
  const seen = resultOrder.filter((result) => minutes.some(({ counts }) => counts[result]));
  return html`<svg class="plot" viewBox="0 0 ${width} ${height + 16}" role="img" aria-label="attempts per minute over the last hour">
    <line class="axis" x1="0" y1="${height}" x2="${width}" y2="${height}"></line>
    ${bars}
    <text class="tick" x="0" y="${height + 13}">−60 min</text>
    <text class="tick" x="${width}" y="${height + 13}" text-anchor="end">now</text>
    <text class="tick" x="2" y="10">${peak}/min</text>
  </svg>
  <p class="legend">${seen.length === 0 ? 'No attempts in the last hour.' : seen.map((result) => html`<span class="swatch r-${result}"></span>${result} `)}</p>`;
}
