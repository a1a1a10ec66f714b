// The messaging ramp as an SVG chart: delivered vs offered (left), p99 latency vs offered (right).

const COLORS = { parley: '#d62728', 'parley-native': '#ff7f0e', ws: '#1f77b4', socketio: '#2ca02c', mosquitto: '#9467bd', rabbitmq: '#8c564b', jetstream: '#17becf' };

/** What the chart's systems store, for its subtitle. */
export const STORAGE_NOTE = 'Parley, RabbitMQ and JetStream durable; relays and Mosquitto in memory';

/**
 * @param {{name: string, label: string, steps: {offeredRate: number, deliveredRate: number, latency: {p99: number|null, p50: number|null}}[]}[]} series
 * @param {string} subtitle
 */
export function rampSvg(series, subtitle) {
  const W = 960;
  const H = 450;
  const panelW = 400;
  const panelH = 300;
  const top = 90;
  const lefts = [70, 550];
  const all = series.flatMap((s) => s.steps);
  if (all.length === 0) return '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>';
  const xMin = Math.min(...all.map((p) => p.offeredRate)) * 0.8;
  const xMax = Math.max(...all.map((p) => p.offeredRate)) * 1.2;
  // Delivered vs offered on log–log axes: y = x is the diagonal, saturation a plateau under it.
  const yMin = xMin;
  const yMax = Math.max(xMax, ...all.map((p) => p.deliveredRate * 1.2));
  const lat = all.map((p) => p.latency.p99).filter((v) => v !== null && v > 0);
  const lMin = Math.max(0.1, 10 ** Math.floor(Math.log10(Math.min(...lat, 1))));
  const lMax = 10 ** Math.ceil(Math.log10(Math.max(...lat, 100)));
  const lx = (/** @type {number} */ v, /** @type {number} */ left) => left + ((Math.log(v) - Math.log(xMin)) / (Math.log(xMax) - Math.log(xMin))) * panelW;
  const ly = (/** @type {number} */ v) => top + panelH - ((Math.log(Math.max(v, yMin)) - Math.log(yMin)) / (Math.log(yMax) - Math.log(yMin))) * panelH;
  const ll = (/** @type {number} */ v) => top + panelH - ((Math.log(Math.max(v, lMin)) - Math.log(lMin)) / (Math.log(lMax) - Math.log(lMin))) * panelH;
  const out = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`);
  out.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  out.push(`<text x="${W / 2}" y="22" text-anchor="middle" font-size="16" font-weight="bold">1:1 messaging ramp</text>`);
  out.push(`<text x="${W / 2}" y="42" text-anchor="middle" fill="#555">${esc(subtitle)}</text>`);
  const xTicks = logTicks(xMin, xMax);
  for (const [pi, left] of lefts.entries()) {
    out.push(`<rect x="${left}" y="${top}" width="${panelW}" height="${panelH}" fill="none" stroke="#999"/>`);
    for (const t of xTicks) {
      const x = lx(t, left);
      out.push(`<line x1="${x}" y1="${top}" x2="${x}" y2="${top + panelH}" stroke="#eee"/>`);
      out.push(`<text x="${x}" y="${top + panelH + 16}" text-anchor="middle">${fmt(t)}</text>`);
    }
    out.push(`<text x="${left + panelW / 2}" y="${top + panelH + 36}" text-anchor="middle">offered msgs/s (log)</text>`);
    if (pi === 0) {
      for (const v of logTicks(yMin, yMax)) {
        out.push(`<line x1="${left}" y1="${ly(v)}" x2="${left + panelW}" y2="${ly(v)}" stroke="#eee"/>`);
        out.push(`<text x="${left - 6}" y="${ly(v) + 4}" text-anchor="end">${fmt(v)}</text>`);
      }
      out.push(`<text transform="translate(${left - 50},${top + panelH / 2}) rotate(-90)" text-anchor="middle">delivered msgs/s (log)</text>`);
      // The y = x line: everything offered is delivered.
      out.push(`<line x1="${lx(xMin, left)}" y1="${ly(xMin)}" x2="${lx(xMax, left)}" y2="${ly(xMax)}" stroke="#bbb" stroke-dasharray="4 3"/>`);
      out.push(`<text x="${lx(xMax, left) - 4}" y="${ly(xMax) + 14}" text-anchor="end" fill="#999">delivered = offered</text>`);
    } else {
      for (let v = lMin; v <= lMax; v *= 10) {
        out.push(`<line x1="${left}" y1="${ll(v)}" x2="${left + panelW}" y2="${ll(v)}" stroke="#eee"/>`);
        out.push(`<text x="${left - 6}" y="${ll(v) + 4}" text-anchor="end">${fmt(v)}</text>`);
      }
      out.push(`<line x1="${left}" y1="${ll(50)}" x2="${left + panelW}" y2="${ll(50)}" stroke="#d62728" stroke-dasharray="2 3"/>`);
      out.push(`<text x="${left + panelW - 4}" y="${ll(50) - 4}" text-anchor="end" fill="#d62728">50 ms</text>`);
      out.push(`<text transform="translate(${left - 50},${top + panelH / 2}) rotate(-90)" text-anchor="middle">p99 end-to-end latency, ms (log)</text>`);
    }
  }
  for (const s of series) {
    const color = /** @type {any} */ (COLORS)[s.name] ?? '#333';
    const pts = [...s.steps].sort((a, b) => a.offeredRate - b.offeredRate);
    out.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${pts.map((p) => `${lx(p.offeredRate, lefts[0]).toFixed(1)},${ly(p.deliveredRate).toFixed(1)}`).join(' ')}"/>`);
    for (const p of pts) out.push(`<circle cx="${lx(p.offeredRate, lefts[0]).toFixed(1)}" cy="${ly(p.deliveredRate).toFixed(1)}" r="3" fill="${color}"/>`);
    const lp = pts.filter((p) => p.latency.p99 !== null);
    out.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${lp.map((p) => `${lx(p.offeredRate, lefts[1]).toFixed(1)},${ll(/** @type {number} */ (p.latency.p99)).toFixed(1)}`).join(' ')}"/>`);
    for (const p of lp) out.push(`<circle cx="${lx(p.offeredRate, lefts[1]).toFixed(1)}" cy="${ll(/** @type {number} */ (p.latency.p99)).toFixed(1)}" r="3" fill="${color}"/>`);
  }
  series.forEach((s, i) => {
    const color = /** @type {any} */ (COLORS)[s.name] ?? '#333';
    const x = W / 2 - (series.length * 150) / 2 + i * 150;
    out.push(`<rect x="${x}" y="${62}" width="14" height="4" fill="${color}"/><text x="${x + 20}" y="${68}">${esc(s.label)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}

function logTicks(/** @type {number} */ min, /** @type {number} */ max) {
  const ticks = [];
  for (let e = Math.floor(Math.log10(min)); e <= Math.ceil(Math.log10(max)); e++) {
    for (const m of [1, 2, 5]) {
      const v = m * 10 ** e;
      if (v >= min && v <= max) ticks.push(v);
    }
  }
  return ticks;
}

function fmt(/** @type {number} */ v) {
  if (v >= 1000) return `${Math.round(v / 100) / 10}k`;
  if (v >= 1) return String(Math.round(v * 10) / 10);
  return String(Math.round(v * 100) / 100);
}

function esc(/** @type {string} */ s) {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
}
