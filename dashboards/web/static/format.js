// How figures read on the pages; mirrors dashboards/web/formatting.py.

export const MISSING = "–";

const RAG_LABELS = { red: "Red", amber: "Amber", green: "Green", none: "No data" };

export function duration(seconds) {
  if (seconds === null || seconds === undefined) return MISSING;
  const total = Math.max(0, Math.round(seconds));
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const secs = String(total % 60).padStart(2, "0");
  if (hours) return `${hours}:${String(minutes).padStart(2, "0")}:${secs}`;
  return `${minutes}:${secs}`;
}

export function percent(rate) {
  if (rate === null || rate === undefined) return MISSING;
  const text = (rate * 100).toFixed(1);
  return `${text.endsWith(".0") ? text.slice(0, -2) : text}%`;
}

export function number(value) {
  if (value === null || value === undefined) return MISSING;
  return Number.isInteger(value) ? String(value) : value.toFixed(1);
}

export function metricValue(metric, value) {
  if (value === null || value === undefined) return MISSING;
  if (metric.endsWith("_rate")) return percent(value);
  if (metric.endsWith("_s")) return duration(value);
  return number(value);
}

export function clock(iso, zone, withSeconds = false) {
  if (!iso) return MISSING;
  const options = { timeZone: zone, hour: "2-digit", minute: "2-digit", hourCycle: "h23" };
  if (withSeconds) options.second = "2-digit";
  return new Intl.DateTimeFormat("en-GB", options).format(new Date(iso));
}

export function ragLabel(rag) {
  return RAG_LABELS[rag] ?? RAG_LABELS.none;
}

export function capitalize(text) {
  return text ? text.charAt(0).toUpperCase() + text.slice(1).toLowerCase() : text;
}
