// The page of a stored run: reads its history once (GET api/run) and draws it with the shared
// charts (charts.js). Read-only: there is no stream and no kill switch. The token, when the server
// asks for one, is handled as on the live page: kept in sessionStorage, removed from the address bar.

const TOKEN_KEY = 'ladder-token';
const address = new URL(location.href);
if (address.searchParams.has('token')) {
  sessionStorage.setItem(TOKEN_KEY, address.searchParams.get('token'));
  address.searchParams.delete('token');
  history.replaceState(null, '', address);
}
const token = sessionStorage.getItem(TOKEN_KEY);
const withToken = (path) => (token === null ? path : `${path}?token=${encodeURIComponent(token)}`);
const $ = (id) => document.getElementById(id);
const fmt = (x, digits) => (x === null || x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(digits));
const time = (us) => new Date(us / 1000).toISOString().slice(11, 23);
const stamp = (us) => new Date(us / 1000).toISOString().replace('T', ' ').slice(0, 19);
/** Rows shown in the fills table; the chart marks every fill. */
const FILL_ROWS = 500;

function rows(id, items, cells) {
  $(id).replaceChildren(...items.map((item) => {
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

function render(h) {
  const pd = h.priceDecimals;
  const qd = h.qtyDecimals;
  $('symbol').textContent = h.symbol;
  $('run-id').textContent = h.runId;
  $('mode').textContent = h.mode;
  $('source').textContent = h.source;
  $('model-id').textContent = h.modelId;
  // The market's time (the charts' axis) and the machine's, which differ for a backtest or a replay.
  const market = h.mids.length === 0 ? 'no market time recorded' : `market ${stamp(h.mids[0].t)} to ${stamp(h.mids[h.mids.length - 1].t)}`;
  $('period').textContent = `${market} UTC · run ${stamp(h.startedAt)} to ${h.endedAt === null ? '(not ended)' : stamp(h.endedAt)} UTC`;
  const end = h.endedAt === null ? 'open' : (h.endReason ?? 'ended');
  // The breaker's state after the run's latest risk decision.
  const halted = h.risk.length > 0 && h.risk[h.risk.length - 1].state === 'HALTED';
  $('end').textContent = halted ? `${end}, halted` : end;
  $('end').className = `badge ${halted ? 'HALTED' : 'ACTIVE'}`;
  $('mids-from').textContent = h.midsFrom;
  const last = h.equity[h.equity.length - 1];
  $('net-pnl').textContent = fmt(last?.pnl ?? 0, 4);
  $('equity').textContent = fmt(last?.equity ?? h.capital, 4);
  $('fill-count').textContent = String(h.fills.length);
  $('order-count').textContent = String(h.orders.length);
  $('signal-count').textContent = String(h.signals.length);
  $('position-qty').textContent = fmt(h.position[h.position.length - 1]?.qty ?? 0, qd);
  $('report-link').href = withToken(`report/${encodeURIComponent(h.runId)}`);
  const shown = h.fills.slice(-FILL_ROWS).reverse();
  $('fills-shown').textContent = h.fills.length > FILL_ROWS ? `the last ${FILL_ROWS} of ${h.fills.length}` : String(h.fills.length);
  rows('fills', shown, (f) => [[time(f.t)], [f.side, f.side], [fmt(f.price, pd)], [fmt(f.qty, qd)], [f.liquidity], [fmt(f.slippageBps, 2)]]);
  rows('risk', h.risk, (e) => [[time(e.t)], [e.kind], [e.cause], [e.state, e.state]]);
  // The run started flat: the position line starts at 0 with the market, not at the first fill.
  const position = h.mids.length > 0 && (h.position.length === 0 || h.position[0].t > h.mids[0].t) ? [{ t: h.mids[0].t, qty: 0 }, ...h.position] : h.position;
  window.LadderCharts.createRunChart($('run-chart'), { priceDecimals: pd, qtyDecimals: qd }).update({ ...h, position });
}

try {
  const res = await fetch(withToken('api/run'));
  if (!res.ok) throw new Error(`${res.status} ${await res.text()}`);
  render(await res.json());
  $('conn').textContent = 'drawn';
} catch (error) {
  $('conn').textContent = `failed: ${error.message}`;
}
