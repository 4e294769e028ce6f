// Entry point of every dashboard page: open the live feed, route updates to the page.

import { enhanceAckForms, replaceAlerts, updateAlert } from "./alerts.js";
import { updateBoard } from "./board.js";
import { refreshRegion } from "./refresh.js";

const body = document.body;
const zone = body.dataset.tz;
const page = body.dataset.page;
const status = document.getElementById("live-status");

function setStatus(state, text) {
  status.dataset.state = state;
  status.textContent = text;
}

function on(source, kind, handler) {
  source.addEventListener(kind, (event) => handler(JSON.parse(event.data)));
}

enhanceAckForms(zone);

const source = new EventSource(body.dataset.events);
source.addEventListener("open", () => setStatus("live", "Live"));
source.addEventListener("error", () => {
  if (source.readyState === EventSource.CLOSED) {
    setStatus("closed", "Disconnected: reload the page");
  } else {
    setStatus("reconnecting", "Reconnecting");
  }
});

on(source, "alerts", (data) => replaceAlerts(data.alerts, zone));
on(source, "alert", (alert) => updateAlert(alert, zone));
if (page === "board") {
  on(source, "board", (board) => updateBoard(board, zone));
} else if (page === "provider") {
  on(source, "board", () => refreshRegion("provider-live"));
} else if (page === "syndromic") {
  on(source, "syndromic", () => refreshRegion("syndromic-live"));
  on(source, "proposal", () => refreshRegion("syndromic-live"));
}
