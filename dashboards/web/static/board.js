// The board: replace each row's values from a "board" update, add or drop provider rows.

import { clock, duration, number, percent, ragLabel } from "./format.js";
import { drawSparkline } from "./sparkline.js";

const FIELDS = {
  waiting_now: (f) => number(f.waiting_now),
  longest_wait_s: (f) => duration(f.longest_wait_s),
  answered_60s_rate: (f) => percent(f.answered_60s_rate),
  abandon_rate: (f) => percent(f.abandon_rate),
  b06_mean_answer_s: (f) => duration(f.b06_mean_answer_s),
  a01_received: (f) => number(f.a01_received),
};

export function updateBoard(board, zone) {
  const at = document.getElementById("board-at");
  if (!at) return;
  at.textContent = clock(board.at, zone, true);
  at.setAttribute("datetime", board.at);
  document.getElementById("board-window").textContent = String(Math.floor(board.window_s / 60));
  document.getElementById("board-bucket").textContent = String(Math.floor(board.bucket_s / 60));
  reconcile(document.getElementById("board-system"), [board.system]);
  reconcile(document.getElementById("board-providers"), board.providers);
}

function reconcile(body, rows) {
  const existing = new Map();
  for (const tr of body.querySelectorAll("tr[data-key]")) existing.set(rowId(tr.dataset), tr);
  for (const row of rows) {
    const tr = existing.get(rowId(row)) ?? newRow(row);
    existing.delete(rowId(row));
    fillRow(tr, row);
    body.appendChild(tr); // appending an existing row moves it: keeps the update's order
  }
  for (const stale of existing.values()) stale.remove();
}

function rowId(row) {
  return `${row.kind}\u0000${row.key}`;
}

function newRow(row) {
  const template = document.getElementById("scope-row-template");
  const tr = template.content.firstElementChild.cloneNode(true);
  tr.dataset.kind = row.kind;
  tr.dataset.key = row.key;
  const cell = tr.querySelector('[data-field="label"]');
  if (row.kind === "provider") {
    cell.querySelector("a").href = providerUrl(row.key);
  } else {
    cell.replaceChildren();
  }
  return tr;
}

function providerUrl(key) {
  const wall = document.body.classList.contains("wall") ? "?wall=1" : "";
  return `/dashboard/providers/${encodeURIComponent(key)}${wall}`;
}

function fillRow(tr, row) {
  const label = tr.querySelector('[data-field="label"]');
  (label.querySelector("a") ?? label).textContent = row.label;
  tr.className = `scope-row rag-row-${row.rag}`;
  const rag = tr.querySelector('[data-field="rag"]');
  rag.className = `rag rag-${row.rag}`;
  rag.textContent = ragLabel(row.rag);
  for (const [field, format] of Object.entries(FIELDS)) {
    tr.querySelector(`[data-field="${field}"]`).textContent = format(row.figures);
  }
  drawSparkline(tr.querySelector('[data-field="trend"]'), row.trend);
}
