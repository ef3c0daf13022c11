// Live updates for the ccx-hook console: the server pushes the live parts of the page this
// one shows (Server-Sent Events), and they are swapped in by element id. Without this script
// every page still works; it just does not update by itself.
'use strict';
const view = document.body.dataset.live;
if (view && 'EventSource' in window) {
  const events = new EventSource('/events?view=' + encodeURIComponent(view));
  events.addEventListener('update', (event) => {
    const fragments = JSON.parse(event.data);
    for (const [id, markup] of Object.entries(fragments)) {
      const element = document.getElementById(id);
      if (element) element.innerHTML = markup;
    }
    document.body.dataset.updated = new Date().toISOString();
  });
}
