import { type Html, html } from '../html.js';

/** What every page knows about who is looking. */
export interface Viewer {
  /** The operator's name, when logged in (or using the bearer token). */
  operator?: string;
  /** The CSRF token for this session's forms; undefined when the viewer cannot act. */
  csrf?: string;
  /** Whether a token is configured (without one, the console is read-only). */
  canAct: boolean;
}

/** Options of `layout`. */
export interface LayoutOptions {
  /** The live view this page watches over Server-Sent Events (see `LiveUpdates`). */
  live?: string;
  /** Reload every few seconds when scripts are off (a running job's progress). */
  refreshWithoutScript?: boolean;
}

/** A whole page: head, navigation, `body`. Assets come from the service itself. */
export function layout(title: string, viewer: Viewer, body: Html, options: LayoutOptions = {}): Html {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · ccx-hook console</title>
<link rel="stylesheet" href="/assets/console.css">
<script src="/assets/console.js" defer></script>
${options.refreshWithoutScript && html`<noscript><meta http-equiv="refresh" content="2"></noscript>`}
</head>
<body${options.live ? html` data-live="${options.live}"` : ''}>
<header>
  <strong>ccx-hook</strong>
  <nav><a href="/">Overview</a> <a href="/deliveries">Deliveries</a> <a href="/decisions">Decisions</a></nav>
  <span class="who">${account(viewer)}</span>
</header>
<main>
<h1>${title}</h1>
${body}
</main>
</body>
</html>`;
}

function account(viewer: Viewer): Html {
  if (viewer.operator && viewer.csrf) {
    return html`${viewer.operator} <form method="post" action="/logout" class="inline"><input type="hidden" name="csrf" value="${viewer.csrf}"><button>Log out</button></form>`;
  }
  if (viewer.operator) return html`${viewer.operator}`;
  return viewer.canAct ? html`<a href="/login">Log in</a>` : html`read-only (no console.token)`;
}

/** A form that posts `action` with the CSRF token, or a hint when the viewer cannot act. */
export function actionForm(viewer: Viewer, action: string, label: string, fields: Record<string, string> = {}): Html {
  if (!viewer.csrf && !viewer.operator) {
    return viewer.canAct ? html`<a class="button" href="/login">Log in to ${label.toLowerCase()}</a>` : html`<span class="muted">Set console.token to ${label.toLowerCase()}.</span>`;
  }
  return html`<form method="post" action="${action}" class="inline">
    <input type="hidden" name="csrf" value="${viewer.csrf ?? ''}">
    ${Object.entries(fields).map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`)}
    <button>${label}</button>
  </form>`;
}

/**
 * The link to retry the dead deliveries of `scope` (a query string), only where it can act:
 * some are dead and a token is configured (a viewer not logged in is sent to log in first).
 */
export function retryDeadLink(viewer: Viewer, scope: URLSearchParams, label: string, anyDead: boolean): Html | '' {
  if (!anyDead || !viewer.canAct) return '';
  if (!viewer.csrf && !viewer.operator) return html`<a class="button" href="/login">Log in to retry all dead</a>`;
  const query = scope.toString();
  return html`<a class="button" href="/retry-dead${query ? `?${query}` : ''}">${label}</a>`;
}

/** A page saying what went wrong. */
export function errorPage(viewer: Viewer, title: string, message: string): Html {
  return layout(title, viewer, html`<p class="error">${message}</p><p><a href="/">Back to the overview</a></p>`);
}
