import { type BlockedCluster, type EndpointState, type StoreStats, waitingCountLimit } from '@ccx-hook/delivery';
import type { MinuteCounts } from '../attempt-history.js';
import { attemptsPlot, resultOrder } from '../attempts-plot.js';
import { formatCount, formatSpan, formatTime } from '../format.js';
import { type Html, html } from '../html.js';
import { actionForm, layout, retryDeadLink, type Viewer } from './layout.js';

/** What the overview shows. */
export interface Overview {
  /** Counted up to `countLimit` each. */
  stats: StoreStats;
  countLimit: number;
  deadLastDay: number;
  blocked: BlockedCluster[];
  /** Blocked clusters shown at most; `blocked.length` equal to it means there may be more. */
  blockedLimit: number;
  minutes: MinuteCounts[];
  circuits: Array<{ endpoint: string; open: boolean }>;
  /** Endpoints gone or paused now (DESIGN §5a). */
  endpoints: EndpointState[];
}

/** The overview's live parts, by element id (the page and its event stream share them). */
export function overviewSections(overview: Overview): Record<string, Html> {
  const { stats } = overview;
  const counted = (n: number) => (n >= overview.countLimit ? `${formatCount(n)}+` : formatCount(n));
  const lastMinute = overview.minutes.at(-2)?.counts ?? {};
  return {
    'delivery-stats': html`<dl class="cards">
      <div><dt><a href="/deliveries?state=pending">Pending</a></dt><dd id="pending-count">${counted(stats.pending)}</dd></div>
      <div><dt>Oldest pending</dt><dd>${stats.pending === 0 ? '—' : formatSpan(stats.oldestPendingAgeMs)}</dd></div>
      <div><dt><a href="/deliveries?state=dead">Dead</a></dt><dd id="dead-count">${counted(stats.dead)}</dd></div>
      <div><dt><a href="/deliveries?state=dead&amp;since=24h">Dead in the last 24 h</a></dt><dd>${formatCount(overview.deadLastDay)}</dd></div>
      <div><dt><a href="/deliveries?state=delivered">Delivered</a></dt><dd>${counted(stats.delivered)}</dd></div>
    </dl>`,
    attempts: html`${attemptsPlot(overview.minutes)}
      <table class="compact"><caption>Last full minute, by result</caption>
      <tr>${resultOrder.map((result) => html`<th>${result}</th>`)}</tr>
      <tr>${resultOrder.map((result) => html`<td>${formatCount(lastMinute[result] ?? 0)}</td>`)}</tr></table>`,
    circuits: overview.circuits.length === 0
      ? html`<p class="muted">No hook has a URL.</p>`
      : html`<table><tr><th>Endpoint</th><th>Circuit</th></tr>${overview.circuits.map(
          ({ endpoint, open }) => html`<tr><td>${endpoint}</td><td class="${open ? 'bad' : 'good'}">${open ? 'open: pre- hooks fail fast' : 'closed'}</td></tr>`,
        )}</table>`,
    blocked: blockedTable(overview),
  };
}

function blockedTable({ blocked, blockedLimit }: Overview): Html {
  if (blocked.length === 0) return html`<p class="good">No cluster is blocked: every queue head is delivering.</p>`;
  return html`<table id="blocked-table"><tr><th>Cluster</th><th>Head delivery</th><th>Hook</th><th>Attempts</th><th>Last error</th><th>Next attempt</th><th>Waiting behind</th></tr>
    ${blocked.map(({ clusterId, head, waiting }) => html`<tr>
      <td><a href="/deliveries?cluster=${encodeURIComponent(clusterId)}">${clusterId}</a></td>
      <td><a href="/deliveries/${encodeURIComponent(head.id)}">${head.id}</a></td>
      <td>${head.hook}</td><td>${head.attempts}</td><td class="bad">${head.lastError ?? ''}</td>
      <td>${formatTime(head.nextAttemptAt)}</td>
      <td>${waiting >= waitingCountLimit ? `${formatCount(waiting)}+` : formatCount(waiting)}</td></tr>`)}
  </table>${blocked.length >= blockedLimit ? html`<p class="muted">Showing the ${blockedLimit} most attempted.</p>` : ''}`;
}

/** Gone and paused endpoints, each with its Resume button. */
function endpointsTable(viewer: Viewer, endpoints: EndpointState[]): Html {
  return html`<table id="endpoints-table"><tr><th>Hook</th><th>State</th><th></th></tr>
    ${endpoints.map(({ hook, gone, pausedForMs }) => html`<tr>
      <td>${hook}</td>
      <td class="bad">${gone ? `gone since ${formatTime(gone.since)} (${new URL(gone.url).origin} answered 410)` : `paused for ${formatSpan(pausedForMs!)} more (Retry-After)`}</td>
      <td>${actionForm(viewer, `/endpoints/${hook}/resume`, 'Resume')}</td></tr>`)}
  </table>`;
}

/** The overview page. */
export function overviewPage(viewer: Viewer, overview: Overview): Html {
  const sections = overviewSections(overview);
  const section = (id: string, title: string, note: Html | string = '') =>
    html`<section><h2>${title}</h2>${note}<div id="${id}">${sections[id]}</div></section>`;
  return layout('Overview', viewer, html`
    ${overview.endpoints.length > 0 ? html`<section><h2>Endpoints not sent to</h2>${endpointsTable(viewer, overview.endpoints)}</section>` : ''}
    ${section('delivery-stats', 'Post- hook deliveries')}
    ${section('blocked', 'Blocked clusters', html`<p class="muted">A cluster's deliveries go out in order: while its queue head keeps failing, every later one waits.</p>`)}
    <p>${retryDeadLink(viewer, new URLSearchParams(), 'Retry all dead…', overview.stats.dead > 0)}</p>
    ${section('attempts', 'Attempts per minute, last hour (this replica)')}
    ${section('circuits', 'Integrator endpoints')}`, { live: 'overview' });
}
