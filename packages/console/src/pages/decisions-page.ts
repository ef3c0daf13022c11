import { preHookNames } from '@ccx-hook/hook-client';
import type { DecisionRecord } from '@ccx-hook/server';
import { formatSpan, formatTime } from '../format.js';
import { type Html, html } from '../html.js';
import { layout, type Viewer } from './layout.js';

/** The decision filters as the query string carries them (already checked). */
export interface DecisionsQuery {
  hook?: string;
  cluster?: string;
  outcome?: 'approved' | 'rejected';
  by?: 'integrator' | 'failure_policy' | 'hook_disabled';
}

/** The last pre- hook decisions of this replica, filtered, newest first. */
export function decisionsPage(viewer: Viewer, query: DecisionsQuery, decisions: readonly DecisionRecord[], capacity: number): Html {
  const select = (name: string, choices: readonly string[], current: string | undefined) =>
    html`<select name="${name}" id="filter-${name}"><option value="">any</option>${choices.map(
      (choice) => html`<option${choice === current ? html` selected` : ''}>${choice}</option>`,
    )}</select>`;
  return layout('Pre- hook decisions', viewer, html`
    <p class="muted">The last ${capacity} decisions of this replica, kept in memory (never the user's auth_id).</p>
    <form method="get" action="/decisions" class="filters">
      <label>Hook ${select('hook', preHookNames, query.hook)}</label>
      <label>Cluster <input name="cluster" id="filter-cluster" value="${query.cluster ?? ''}" maxlength="256" placeholder="cluster id"></label>
      <label>Outcome ${select('outcome', ['approved', 'rejected'], query.outcome)}</label>
      <label>Decided by ${select('by', ['integrator', 'failure_policy', 'hook_disabled'], query.by)}</label>
      <button>Filter</button> <a href="/decisions">Clear</a>
    </form>
    ${decisions.length === 0
      ? html`<p class="muted" id="no-decisions">No decision matches.</p>`
      : html`<table id="decisions"><tr><th>Time</th><th>Hook</th><th>Cluster</th><th>Outcome</th><th>Decided by</th><th>Reason</th><th>Why the policy decided</th><th>Duration</th><th>Attempts</th><th>webhook-id</th></tr>
        ${decisions.map((decision) => html`<tr>
          <td>${formatTime(decision.at)}</td><td>${decision.hook}</td>
          <td><a href="/decisions?cluster=${encodeURIComponent(decision.clusterId)}">${decision.clusterId}</a></td>
          <td class="${decision.approved ? 'good' : 'bad'}">${decision.approved ? 'approved' : 'rejected'}${decision.shadow ? html` <span class="muted shadow">(shadow: the caller was approved)</span>` : ''}</td>
          <td>${decision.decidedBy}</td><td>${decision.reason}</td><td>${decision.cause ?? ''}</td>
          <td>${formatSpan(decision.durationMs)}</td><td>${decision.attempts}</td><td><code>${decision.webhookId}</code></td></tr>`)}
        </table>`}`);
}
