// The alert list: live rows from "alerts" / "alert" updates, and acknowledging in place.

import { capitalize, clock, metricValue } from "./format.js";

export function replaceAlerts(alerts, zone) {
  const body = document.getElementById("alerts-body");
  if (body) {
    const keep = new Set(alerts.map((a) => a.id));
    for (const tr of body.querySelectorAll("tr[data-alert-id]")) {
      if (!keep.has(tr.dataset.alertId)) tr.remove();
    }
    for (const alert of alerts) upsert(body, alert, zone);
  }
  announce(alerts);
}

export function updateAlert(alert, zone) {
  const body = document.getElementById("alerts-body");
  if (body) upsert(body, alert, zone);
  announce(currentAlerts(alert));
}

function upsert(body, alert, zone) {
  let tr = findRow(body, alert.id);
  if (alert.state === "cleared") {
    tr?.remove();
    showEmpty(body);
    return;
  }
  if (!tr) {
    tr = newRow(alert);
    body.prepend(tr);
  }
  fillRow(tr, alert, zone);
  showEmpty(body);
}

function findRow(body, id) {
  for (const tr of body.querySelectorAll("tr[data-alert-id]")) {
    if (tr.dataset.alertId === id) return tr;
  }
  return null;
}

function newRow(alert) {
  const template = document.getElementById("alert-row-template");
  const tr = template.content.firstElementChild.cloneNode(true);
  tr.id = `alert-${alert.id}`;
  tr.dataset.alertId = alert.id;
  tr.querySelector("form").action = `/dashboard/alerts/${encodeURIComponent(alert.id)}/ack`;
  return tr;
}

function fillRow(tr, alert, zone) {
  tr.dataset.state = alert.state;
  const set = (field, text) => {
    tr.querySelector(`[data-field="${field}"]`).textContent = text;
  };
  const severity = tr.querySelector('[data-field="severity"]');
  severity.className = `severity severity-${alert.severity}`;
  severity.textContent = capitalize(alert.severity);
  set("title", alert.title);
  set("scope", alert.scope_kind === "system" ? "System" : alert.scope);
  set("value", metricValue(alert.metric, alert.value));
  set("threshold", metricValue(alert.metric, alert.threshold));
  set("button-title", ` ${alert.title}`);
  const raised = tr.querySelector('[data-field="raised_at"]');
  raised.textContent = clock(alert.raised_at, zone);
  raised.setAttribute("datetime", alert.raised_at);
  const form = tr.querySelector("form");
  const done = tr.querySelector('[data-field="acknowledged"]');
  const raisedOnly = alert.state === "raised";
  form.hidden = !raisedOnly;
  done.hidden = raisedOnly;
  done.textContent = alert.acknowledged_by
    ? `Acknowledged by ${alert.acknowledged_by} at ${clock(alert.acknowledged_at, zone)}`
    : "Acknowledged";
}

function showEmpty(body) {
  const empty = document.getElementById("alerts-empty");
  if (empty) empty.hidden = body.querySelector("tr[data-alert-id]") !== null;
}

// The header's polite live region: changed only when the count changes, so a
// screen reader hears about new alerts, not about every tick of the board.
const known = new Map();

function currentAlerts(changed) {
  if (changed.state === "cleared") known.delete(changed.id);
  else known.set(changed.id, changed);
  return [...known.values()];
}

function announce(alerts) {
  known.clear();
  for (const alert of alerts) if (alert.state !== "cleared") known.set(alert.id, alert);
  const active = [...known.values()];
  const waiting = active.filter((a) => a.state === "raised").length;
  let text = "No active alerts";
  if (active.length) {
    text = `${active.length} active alert${active.length === 1 ? "" : "s"}`;
    if (waiting) text += `, ${waiting} to acknowledge`;
  }
  const region = document.getElementById("alert-count");
  if (region && region.textContent !== text) region.textContent = text;
}

// Acknowledge without leaving the page; the form still works without scripts.
export function enhanceAckForms(zone) {
  document.addEventListener("submit", async (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.classList.contains("ack-form")) return;
    event.preventDefault();
    const tr = form.closest("tr");
    const button = form.querySelector("button");
    const error = tr.querySelector('[data-field="error"]');
    button.disabled = true;
    error.textContent = "";
    try {
      const response = await fetch(form.action, {
        method: "POST",
        headers: {
          Accept: "application/json",
          "X-CSRF-Token": form.elements.csrf_token.value,
        },
        credentials: "same-origin",
      });
      const body = await response.json();
      if (!response.ok) {
        error.textContent = body.message ?? "Could not acknowledge this alert.";
        return;
      }
      updateAlert(body, zone);
      // The button is gone: keep keyboard users where they were.
      tr.querySelector(".ack-cell").focus();
    } catch {
      error.textContent = "Could not reach the server. Try again.";
    } finally {
      button.disabled = false;
    }
  });
}
