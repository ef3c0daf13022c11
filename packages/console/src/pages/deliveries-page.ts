import type { DeliveryPage, DeliveryStatus } from '@ccx-hook/delivery';
import { formatTime } from '../format.js';
import { type Html, html } from '../html.js';
import { layout, retryDeadLink, type Viewer } from './layout.js';
import { hookNames, isPreHook } from '@ccx-hook/hook-client';

/** The time filter's choices: created within this span. */
export const sinceChoices: Record<string, number> = { '1h': 3_600_000, '24h': 86_400_000, '7d': 604_800_000, '30d': 2_592_000_000 };

/** The list's filters as the query string carries them (already checked). */
export interface DeliveriesQuery {
  state?: DeliveryStatus;
  hook?: string;
  cluster?: string;
  since?: string;
  after?: string;
}

const states: readonly DeliveryStatus[] = ['pending', 'delivered', 'dead'];
export const postHookNames = hookNames.filter((hook) => !isPreHook(hook));

/** The deliveries list with its filter form, newest first, one page. */
export function deliveriesPage(viewer: Viewer, query: DeliveriesQuery, page: DeliveryPage): Html {
  const select = (name: string, choices: readonly string[], current: string | undefined, any: string) =>
    html`<select name="${name}" id="filter-${name}"><option value="">${any}</option>${choices.map(
      (choice) => html`<option${choice === current ? html` selected` : ''}>${choice}</option>`,
    )}</select>`;
  const filters = new URLSearchParams(Object.entries(query).filter(([key, value]) => key !== 'after' && value) as [string, string][]);
  const next = page.next && `/deliveries?${new URLSearchParams({ ...Object.fromEntries(filters), after: page.next })}`;
  const retryScope = new URLSearchParams(Object.entries({ hook: query.hook, cluster: query.cluster }).filter(([, v]) => v) as [string, string][]);
  return layout('Deliveries', viewer, html`
    <form method="get" action="/deliveries" class="filters">
      <label>State ${select('state', states, query.state, 'any')}</label>
      <label>Hook ${select('hook', postHookNames, query.hook, 'any')}</label>
      <label>Cluster <input name="cluster" id="filter-cluster" value="${query.cluster ?? ''}" maxlength="256" placeholder="cluster id"></label>
      <label>Created within ${select('since', Object.keys(sinceChoices), query.since, 'any time')}</label>
      <button>Filter</button> <a href="/deliveries">Clear</a>
    </form>
    ${query.state === 'dead' && html`<p>${retryDeadLink(viewer, retryScope, `Retry all dead${query.cluster ? ` of cluster ${query.cluster}` : ''}${query.hook ? ` (${query.hook})` : ''}…`, page.deliveries.length > 0)}</p>`}
    ${page.deliveries.length === 0
      ? html`<p class="muted" id="no-deliveries">No delivery matches.</p>`
      : html`<table id="deliveries"><tr><th>Delivery</th><th>Hook</th><th>Cluster</th><th>State</th><th>Attempts</th><th>Created</th><th>Last change</th><th>Last error</th></tr>
        ${page.deliveries.map((delivery) => html`<tr>
          <td><a href="/deliveries/${encodeURIComponent(delivery.id)}">${delivery.id}</a></td>
          <td>${delivery.hook}</td>
          <td><a href="/deliveries?cluster=${encodeURIComponent(delivery.clusterId)}">${delivery.clusterId}</a></td>
          <td class="state-${delivery.status}">${delivery.status}</td><td>${delivery.attempts}</td>
          <td>${formatTime(delivery.createdAt)}</td><td>${formatTime(delivery.updatedAt)}</td><td>${delivery.lastError ?? ''}</td></tr>`)}
        </table>`}
    <p>${query.after && html`<a href="/deliveries?${filters}">Newest</a> `}${next && html`<a href="${next}" id="next-page">Older →</a>`}</p>`);
}
