// Sparkline geometry; mirrors sparkline_points in dashboards/web/charts.py.

const PAD = 2;

export function sparklinePoints(values, width, height) {
  if (!values.length) return "";
  const top = Math.max(...values, 1);
  const inner = height - 2 * PAD;
  const step = values.length > 1 ? width / (values.length - 1) : 0;
  return values
    .map((value, i) => {
      const x = values.length > 1 ? i * step : width / 2;
      const y = PAD + inner * (1 - value / top);
      return `${x.toFixed(1)},${y.toFixed(1)}`;
    })
    .join(" ");
}

export function sparklineLabel(values) {
  return values.length
    ? `Calls received per bucket, oldest first: ${values.join(", ")}`
    : "No trend yet";
}

export function drawSparkline(svg, values) {
  const box = svg.viewBox.baseVal;
  svg.querySelector("polyline").setAttribute("points", sparklinePoints(values, box.width, box.height));
  svg.setAttribute("aria-label", sparklineLabel(values));
}
