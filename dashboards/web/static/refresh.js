// Pages whose content is drawn on the server (drill-down, syndromic) refresh a
// region from a fresh copy of the page when an update arrives, at most one
// request at a time, keeping keyboard focus on the same control.

const state = new Map();

export function refreshRegion(id) {
  const entry = state.get(id) ?? { busy: false, again: false };
  state.set(id, entry);
  if (entry.busy) {
    entry.again = true;
    return;
  }
  entry.busy = true;
  load(id).finally(() => {
    entry.busy = false;
    if (entry.again) {
      entry.again = false;
      refreshRegion(id);
    }
  });
}

async function load(id) {
  let response;
  try {
    response = await fetch(window.location.href, {
      headers: { Accept: "text/html" },
      credentials: "same-origin",
    });
  } catch {
    return; // offline for a moment: the next update tries again
  }
  if (!response.ok) return;
  const fresh = new DOMParser()
    .parseFromString(await response.text(), "text/html")
    .getElementById(id);
  const current = document.getElementById(id);
  if (!fresh || !current) return;
  const focused = document.activeElement;
  const focusId = current.contains(focused) && focused.id ? focused.id : null;
  current.replaceWith(document.importNode(fresh, true));
  if (focusId) document.getElementById(focusId)?.focus();
}
