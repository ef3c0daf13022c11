import { type Html, html } from '../html.js';
import { layout, type Viewer } from './layout.js';

/** The login form: the console token, and a name for the audit log. */
export function loginPage(viewer: Viewer, failed: boolean, next: string): Html {
  return layout('Log in', viewer, html`
    ${failed && html`<p class="error" id="login-failed">That is not the console token.</p>`}
    <form method="post" action="/login" class="stacked">
      <input type="hidden" name="next" value="${next}">
      <label>Your name (for the audit log) <input name="name" id="login-name" maxlength="64" autocomplete="username" required></label>
      <label>Console token <input type="password" name="token" id="login-token" autocomplete="current-password" required></label>
      <button>Log in</button>
    </form>`);
}
