// The dashboard page: reads the snapshot stream (server-sent events) and draws its time charts with
// lightweight-charts (charts.js) and the book's depth in SVG by hand (the library's axes are time).
// The token, when the server asks for one, arrives once in the address (?token=), is kept in
// sessionStorage for the tab and removed from the address bar.

const TOKEN_KEY = 'ladder-token';
const address = new URL(location.href);
if (address.searchParams.has('token')) {
  sessionStorage.setItem(TOKEN_KEY, address.searchParams.get('token'));
  address.searchParams.delete('token');
  history.replaceState(null, '', address);
}
const token = sessionStorage.getItem(TOKEN_KEY);
const withToken = (path) => (token === null ? path : `${path}?token=${encodeURIComponent(token)}`);
const SVG = 'http://www.w3.org/2000/svg';
const $ = (id) => document.getElementById(id);
let last = null;

function text(id, value) {
  const el = $(id);
  if (el.textContent !== value) el.textContent = value;
}

const fmt = (x, digits) => (x === null || x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(digits));
const time = (us) => new Date(us / 1000).toISOString().slice(11, 23);

function el(name, attrs, content) {
  const node = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (content !== undefined) node.textContent = content;
  return node;
}

/** Scales [lo, hi] onto [a, b]; a flat range maps to the middle. */
function scale(lo, hi, a, b) {
  return (x) => (hi === lo ? (a + b) / 2 : a + ((x - lo) / (hi - lo)) * (b - a));
}

function extent(values) {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) if (Number.isFinite(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
  return lo === Infinity ? [0, 1] : [lo, hi];
}

/**
 * What the page has seen since it opened, for the time charts: an hour, oldest dropped first. A redraw
 * costs about in proportion to the points (21,600, six hours, took 9 times as long as 600), and the
 * live page redraws each second; a stored run, drawn once, is served whole by ladder dashboard --run.
 */
const HISTORY_SECONDS = 3600;
const seen = { mids: new Map(), fills: new Map(), orders: new Map(), position: new Map(), signals: new Map() };
let chart = null;
/**
 * The charts' resolution is a second: they are redrawn once a second at most, whatever the stream's
 * rate, and at once when a fill arrives or the position changes, so that they agree with the tables.
 */
const REDRAW_MS = 1000;
let drawnAt = -Infinity;
let drawnFills = 0;
let drawnQty = null;

function remember(map, key, value) {
  map.set(key, value);
  if (map.size > HISTORY_SECONDS) map.delete(map.keys().next().value);
}

/** The mid a second, the fills, orders, position and signals the snapshots showed, drawn with lightweight-charts (charts.js). */
function drawRun(s) {
  if (chart === null) chart = window.LadderCharts.createRunChart($('run-chart'), { priceDecimals: s.priceDecimals, qtyDecimals: s.qtyDecimals });
  for (const m of s.mids) remember(seen.mids, Math.floor(m.t / 1e6), m);
  for (const g of s.signals) {
    remember(seen.signals, g.t, g);
    if (g.mid !== null && !seen.mids.has(Math.floor(g.t / 1e6))) remember(seen.mids, Math.floor(g.t / 1e6), { t: g.t, mid: g.mid });
  }
  for (const f of s.fills) remember(seen.fills, f.tradeId, f);
  // The venue time of the snapshot: that of its newest equity point (the book's last event).
  const now = s.equity.length === 0 ? null : s.equity[s.equity.length - 1].t;
  for (const o of s.openOrders) if (!seen.orders.has(o.id) && now !== null) remember(seen.orders, o.id, { ...o, t: now });
  if (now !== null) remember(seen.position, Math.floor(now / 1e6), { t: now, qty: s.position.qty });
  if (performance.now() - drawnAt < REDRAW_MS && seen.fills.size === drawnFills && s.position.qty === drawnQty) return;
  drawnAt = performance.now();
  drawnFills = seen.fills.size;
  drawnQty = s.position.qty;
  chart.update({
    mids: [...seen.mids.values()], fills: [...seen.fills.values()], orders: [...seen.orders.values()], equity: s.equity,
    position: [...seen.position.values()], signals: [...seen.signals.values()], threshold: s.model.threshold,
  });
}

function drawDepth(s) {
  const svg = $('depth-chart');
  svg.replaceChildren();
  const { bids, asks } = s.depth;
  if (bids.length === 0 || asks.length === 0) return;
  const cum = (levels) => { let q = 0; return levels.map(([p, v]) => [p, (q += v)]); };
  const b = cum(bids);
  const a = cum(asks);
  const [plo, phi] = extent([...b.map((l) => l[0]), ...a.map((l) => l[0])]);
  const [, qhi] = extent([0, ...b.map((l) => l[1]), ...a.map((l) => l[1])]);
  const x = scale(plo, phi, 2, 298);
  const y = scale(0, qhi, 150, 10);
  const area = (levels, color) => {
    let d = `M${x(levels[0][0])},150`;
    for (const [p, q] of levels) d += ` L${x(p)},${y(q)}`;
    d += ` L${x(levels[levels.length - 1][0])},150 Z`;
    return el('path', { d, fill: color, 'fill-opacity': 0.35, stroke: color });
  };
  svg.append(area(b, 'var(--up)'), area(a, 'var(--down)'));
  svg.append(el('text', { x: 4, y: 12 }, fmt(bids[0][0], s.priceDecimals)), el('text', { x: 296, y: 12, 'text-anchor': 'end' }, fmt(asks[0][0], s.priceDecimals)));
}

function rows(id, items, cells) {
  const body = $(id);
  body.replaceChildren(...items.map((item) => {
    const tr = document.createElement('tr');
    for (const [value, cls] of cells(item)) {
      const td = document.createElement('td');
      td.textContent = value;
      if (cls) td.className = cls;
      tr.append(td);
    }
    return tr;
  }));
}

function render(s) {
  last = s;
  const p = s.position;
  const pd = s.priceDecimals;
  const qd = s.qtyDecimals;
  text('symbol', s.symbol);
  text('run-id', s.runId);
  text('model-id', s.model.id);
  text('schema-id', s.model.schemaId);
  text('threshold', fmt(s.model.threshold, 3));
  text('seq', String(s.seq));
  const badge = $('risk-state');
  text('risk-state', s.risk.state);
  badge.className = `badge ${s.risk.state}`;
  text('risk-reason', s.risk.reason === null ? '' : `${s.risk.cause}: ${s.risk.reason}`);
  $('kill').disabled = s.risk.state === 'HALTED' || s.risk.state === 'none';
  text('equity', fmt(s.equity.length === 0 ? s.capital : s.equity[s.equity.length - 1].equity, 4));
  text('net-pnl', fmt(p.netPnl, 4));
  text('realized', fmt(p.realizedPnl, 4));
  text('unrealized', fmt(p.unrealizedPnl, 4));
  text('fees', fmt(p.fees, 4));
  text('position-qty', fmt(p.qty, qd));
  text('position-entry', fmt(p.avgEntry, pd + 2));
  text('position-mark', fmt(p.mark, pd));
  text('exposure', `${fmt(p.exposure, 2)} USDT (${fmt(p.exposureShare * 100, 1)}% of ${s.capital})`);
  text('open-count', String(s.openOrders.length));
  rows('orders', s.openOrders, (o) => [[o.side, o.side], [o.type], [fmt(o.price, pd)], [fmt(o.qty, qd)], [fmt(o.filled, qd)], [o.status]]);
  text('fill-count', String(s.fillCount));
  const lastFill = s.fills[s.fills.length - 1];
  text('last-fill-price', lastFill === undefined ? '–' : fmt(lastFill.price, pd));
  rows('fills', [...s.fills].reverse(), (f) => [[time(f.t)], [f.side, f.side], [fmt(f.price, pd)], [fmt(f.qty, qd)], [f.liquidity], [fmt(f.slippageBps, 2)]]);
  text('feed-state', s.feed.state);
  text('feed-p50', fmt(s.feed.latencyP50Ms, 1));
  text('feed-p99', fmt(s.feed.latencyP99Ms, 1));
  text('feed-frames', String(s.feed.frames));
  text('feed-faults', `${s.feed.gaps} · ${s.feed.resyncs} · ${s.feed.stalePeriods}`);
  text('writer-queued', String(s.writer.queued));
  text('writer-lag', fmt(s.writer.lagMs, 0));
  text('writer-spilled', String(s.writer.spilled));
  text('writer-written', `${s.writer.written} · ${s.writer.writeErrors}`);
  $('report-link').href = withToken(`report/${encodeURIComponent(s.runId)}`);
  const q = s.feed.quality ?? s.feedQuality;
  // A score of 0 to 100 a minute (domain/market/feed-quality.ts); below the floor, new entries stop.
  // The loop's summary {last, lowest, minutes, tripped}, or a status that carries the score alone.
  const quality = q === undefined || q === null ? '–'
    : typeof q === 'number' ? `${fmt(q, 0)} / 100`
    : `${fmt(q.last, 0)} / 100 (lowest ${fmt(q.lowest, 0)} over ${q.minutes} min)${q.tripped ? ', entries stopped' : ''}`;
  text('feed-quality', quality);
  drawRun(s);
  drawDepth(s);
}

function connect() {
  const events = new EventSource(withToken('api/events'));
  events.onopen = () => text('conn', 'live');
  events.onerror = () => text('conn', 'reconnecting');
  events.onmessage = (e) => render(JSON.parse(e.data));
}

$('kill').addEventListener('click', async () => {
  if (last === null) return;
  const reason = 'operator, from the dashboard';
  if (!confirm(`Pull the kill switch of run ${last.runId}? Every working order is canceled, the position flattened, and nothing new is sent until the run is restarted.`)) return;
  const headers = { 'content-type': 'application/json' };
  if (token !== null) headers.authorization = `Bearer ${token}`;
  const res = await fetch('api/kill', { method: 'POST', headers, body: JSON.stringify({ confirm: true, reason }) });
  if (!res.ok) alert(`kill refused: ${res.status} ${await res.text()}`);
});

connect();
