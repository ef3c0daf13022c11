import { formatCount } from '../format.js';
import { type Html, html } from '../html.js';
import type { RetryJob, RetryScope } from '../retry-jobs.js';
import { actionForm, layout, type Viewer } from './layout.js';

function describe(scope: RetryScope): string {
  const parts = [scope.clusterId && `of cluster ${scope.clusterId}`, scope.hook && `of ${scope.hook}`].filter(Boolean);
  return parts.length > 0 ? ` ${parts.join(' ')}` : '';
}

/** Asks before a bulk retry, saying how many deliveries it covers. */
export function confirmRetryPage(viewer: Viewer, scope: RetryScope, dead: number): Html {
  const fields = { ...(scope.hook ? { hook: scope.hook } : {}), ...(scope.clusterId ? { cluster: scope.clusterId } : {}) };
  return layout('Retry dead deliveries', viewer, html`
    <p id="confirm-question">Queue the <strong>${formatCount(dead)}</strong> dead deliveries${describe(scope)} again? Each goes to the back of its
      cluster's queue with its attempts reset; the integrator may receive them in a burst.</p>
    <p>${dead === 0 ? html`<span class="muted">Nothing to retry.</span>` : actionForm(viewer, '/retry-dead', `Retry ${formatCount(dead)} deliveries`, fields)}
      <a href="/deliveries?state=dead">Cancel</a></p>`);
}

/** A bulk retry's progress; live while it runs. */
export function jobSection(job: RetryJob): Html {
  const total = Math.max(job.total, job.done);
  return html`<p><progress max="${total}" value="${job.done}"></progress>
    <span id="job-status">${formatCount(job.done)} of ${formatCount(total)} queued again${job.finished ? (job.error ? ` — stopped: ${job.error}` : ' — done') : '…'}</span></p>`;
}

/** The page of a bulk retry. */
export function jobPage(viewer: Viewer, job: RetryJob): Html {
  return layout(`Retry of dead deliveries${describe(job.scope)}`, viewer, html`
    <p class="muted">Started by ${job.operator}.</p>
    <div id="job-progress">${jobSection(job)}</div>
    <p><a href="/deliveries">Deliveries</a> · <a href="/">Overview</a></p>`, { live: `job:${job.id}`, refreshWithoutScript: !job.finished });
}
