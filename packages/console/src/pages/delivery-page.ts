import type { AttemptRecord, Delivery, RetryResult } from '@ccx-hook/delivery';
import { formatSpan, formatTime } from '../format.js';
import { type Html, html } from '../html.js';
import { redactPayload } from '../redact-payload.js';
import { actionForm, layout, retryDeadLink, type Viewer } from './layout.js';

const retryResults: Record<RetryResult, string> = {
  queued: 'Queued again at the back of its cluster\'s queue.',
  'due-now': 'Due now: it is its cluster\'s queue head.',
  unchanged: 'Nothing to do: it is being attempted, waits behind its cluster\'s head, or was delivered.',
  'not-found': 'It no longer exists.',
};

/** The detail page's live parts, by element id. */
export function deliverySections(delivery: Delivery, attempts: readonly AttemptRecord[]): Record<string, Html> {
  return {
    'delivery-summary': html`<dl class="fields">
      <dt>State</dt><dd class="state-${delivery.status}" id="delivery-state">${delivery.status}</dd>
      <dt>Hook</dt><dd>${delivery.hook}</dd>
      <dt>Cluster</dt><dd><a href="/deliveries?cluster=${encodeURIComponent(delivery.clusterId)}">${delivery.clusterId}</a></dd>
      <dt>Attempts</dt><dd>${delivery.attempts}</dd>
      <dt>Created</dt><dd>${formatTime(delivery.createdAt)}</dd>
      <dt>${delivery.status === 'pending' ? 'Next attempt' : delivery.status === 'dead' ? 'Died' : 'Delivered'}</dt><dd>${formatTime(delivery.nextAttemptAt)}</dd>
      ${delivery.lastError && html`<dt>Last error</dt><dd class="bad">${delivery.lastError}</dd>`}
    </dl>`,
    'delivery-attempts': attempts.length === 0
      ? html`<p class="muted">No attempt yet.</p>`
      : html`<ol class="timeline">${attempts.map((attempt) => html`<li class="${attempt.statusCode !== undefined && attempt.statusCode < 300 ? 'good' : 'bad'}">
          <time>${formatTime(attempt.endedAt)}</time> attempt ${attempt.attempt}:
          <strong>${attempt.statusCode === undefined ? 'no reply' : `HTTP ${attempt.statusCode}`}</strong>
          ${attempt.error && html` — ${attempt.error}`} <span class="muted">(${formatSpan(attempt.durationMs)})</span></li>`)}</ol>`,
  };
}

/** One delivery: its state, body (redacted), every attempt, and the retry actions. */
export function deliveryPage(viewer: Viewer, delivery: Delivery, attempts: readonly AttemptRecord[], retried?: RetryResult): Html {
  const sections = deliverySections(delivery, attempts);
  const cluster = new URLSearchParams({ cluster: delivery.clusterId });
  return layout(`Delivery ${delivery.id}`, viewer, html`
    ${retried && html`<p class="notice" id="retry-result">${retryResults[retried]}</p>`}
    <div id="delivery-summary">${sections['delivery-summary']}</div>
    <p>${delivery.status !== 'delivered' && actionForm(viewer, `/deliveries/${encodeURIComponent(delivery.id)}/retry`, 'Retry')}
      ${(viewer.csrf || viewer.operator) && retryDeadLink(viewer, cluster, `Retry all dead of cluster ${delivery.clusterId}…`, delivery.status === 'dead')}</p>
    <h2>Attempts</h2>
    <div id="delivery-attempts">${sections['delivery-attempts']}</div>
    <h2>Body</h2>
    <pre id="payload">${redactPayload(delivery.payload)}</pre>`, { live: `delivery:${delivery.id}` });
}
