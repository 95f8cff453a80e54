// The time charts of a run, drawn with TradingView's lightweight-charts (its standalone build, served
// by the dashboard from the installed npm package as lightweight-charts.js): one chart, four panes on
// one time axis (UTC, to the second): the mid with the run's orders and fills marked on it, net PnL,
// the position, and the confidence of the signals. Shared by the live page (app.js) and the page of a
// stored run (run.js); a classic script, so that both can load it with the token of their address.
// Times arrive in µs since the Unix epoch and are drawn to the second: each series keeps the last
// point of a second.

(() => {
  const LC = window.LightweightCharts;
  const COLORS = { up: '#3fb37f', down: '#e5534b', accent: '#5b9bd5', dim: '#8a96a6', line: '#2a3340', bg: '#141a22', order: '#c9a227' };
  const second = (us) => Math.floor(us / 1e6);

  /** [{time, value}] ascending, one a second (the last point of each), from points in any order. */
  function bySecond(points, t, value) {
    const sorted = [...points].sort((a, b) => t(a) - t(b));
    const out = [];
    for (const p of sorted) {
      const v = value(p);
      if (v === null || v === undefined || !Number.isFinite(v)) continue;
      const time = second(t(p));
      if (out.length > 0 && out[out.length - 1].time === time) out[out.length - 1] = { ...out[out.length - 1], value: v };
      else out.push({ time, value: v });
    }
    return out;
  }

  /**
   * Creates the chart in `container`; `update(data)` draws { mids, fills, orders, equity, position,
   * signals, threshold } (see run-history.ts), replacing what was drawn. The container's data
   * attributes say what the chart holds, as the library reports it: points of the mid, fill and order
   * markers, and the time range shown (seconds, set once the chart is laid out).
   */
  function createRunChart(container, { priceDecimals, qtyDecimals }) {
    // The container's size from the start (autoSize follows it later, asynchronously): fitted to a
    // default width, a long run would be drawn only in part.
    const chart = LC.createChart(container, {
      autoSize: true,
      width: container.clientWidth,
      height: container.clientHeight,
      layout: { background: { type: 'solid', color: COLORS.bg }, textColor: COLORS.dim, fontSize: 11, panes: { separatorColor: COLORS.line } },
      grid: { vertLines: { color: '#1c232d' }, horzLines: { color: '#1c232d' } },
      timeScale: { timeVisible: true, secondsVisible: true, borderColor: COLORS.line },
      rightPriceScale: { borderColor: COLORS.line },
      crosshair: { mode: LC.CrosshairMode.Normal },
    });
    const price = chart.addSeries(LC.LineSeries, {
      color: COLORS.accent, lineWidth: 1, title: 'mid', priceFormat: { type: 'price', precision: priceDecimals, minMove: 10 ** -priceDecimals },
    }, 0);
    const markers = LC.createSeriesMarkers(price, []);
    const pnl = chart.addSeries(LC.BaselineSeries, {
      baseValue: { type: 'price', price: 0 }, title: 'net PnL', lineWidth: 1,
      topLineColor: COLORS.up, topFillColor1: 'rgba(63,179,127,0.25)', topFillColor2: 'rgba(63,179,127,0.02)',
      bottomLineColor: COLORS.down, bottomFillColor1: 'rgba(229,83,75,0.02)', bottomFillColor2: 'rgba(229,83,75,0.25)',
      priceFormat: { type: 'price', precision: 4, minMove: 0.0001 },
    }, 1);
    const position = chart.addSeries(LC.LineSeries, {
      color: '#b08fd8', lineWidth: 1, lineType: LC.LineType.WithSteps, title: 'position',
      priceFormat: { type: 'price', precision: qtyDecimals, minMove: 10 ** -qtyDecimals },
    }, 2);
    const confidence = chart.addSeries(LC.HistogramSeries, {
      title: 'confidence', priceFormat: { type: 'price', precision: 3, minMove: 0.001 }, base: 0,
    }, 3);
    const heights = [0.5, 0.2, 0.15, 0.15];
    chart.panes().forEach((pane, k) => pane.setStretchFactor(heights[k]));
    let thresholdLine = null;
    // Until it is scrolled or zoomed, the chart shows everything it holds, after each update and resize.
    let moved = false;
    container.addEventListener('wheel', () => (moved = true), { passive: true });
    container.addEventListener('pointerdown', () => (moved = true));
    chart.timeScale().subscribeSizeChange(() => {
      if (!moved) chart.timeScale().fitContent();
    });
    // The time range shown, once drawn (the library lays the chart out after update returns).
    chart.timeScale().subscribeVisibleTimeRangeChange((range) => {
      Object.assign(container.dataset, { from: range === null ? '' : String(range.from), to: range === null ? '' : String(range.to) });
    });

    function update(data) {
      const mids = bySecond(data.mids, (m) => m.t, (m) => m.mid);
      price.setData(mids);
      const marks = [];
      // A limit order at its price; a market order, which has none, as a square beside the mid.
      for (const o of data.orders) {
        const base = { time: second(o.t), id: `order:${o.id}`, color: COLORS.order, size: 0.6 };
        marks.push(o.price === null
          ? { ...base, position: o.side === 'Buy' ? 'belowBar' : 'aboveBar', shape: 'square' }
          : { ...base, position: 'atPriceMiddle', price: o.price, shape: 'circle' });
      }
      for (const f of data.fills) {
        marks.push({
          time: second(f.t), id: `fill:${f.tradeId}`, position: 'atPriceMiddle', price: f.price,
          shape: f.side === 'Buy' ? 'arrowUp' : 'arrowDown', color: f.side === 'Buy' ? COLORS.up : COLORS.down, size: 1,
        });
      }
      marks.sort((a, b) => a.time - b.time);
      markers.setMarkers(marks);
      pnl.setData(bySecond(data.equity, (e) => e.t, (e) => e.pnl));
      position.setData(bySecond(data.position, (p) => p.t, (p) => p.qty));
      // The strongest signal of each second, coloured by its direction; a hollow one was not acted on.
      const strongest = new Map();
      for (const g of data.signals) {
        const time = second(g.t);
        const kept = strongest.get(time);
        if (kept === undefined || g.confidence > kept.confidence) strongest.set(time, g);
      }
      confidence.setData([...strongest.entries()].sort((a, b) => a[0] - b[0]).map(([time, g]) => ({
        time, value: g.confidence, color: g.score > 0 ? (g.acted ? COLORS.up : 'rgba(63,179,127,0.4)') : (g.acted ? COLORS.down : 'rgba(229,83,75,0.4)'),
      })));
      if (thresholdLine !== null) confidence.removePriceLine(thresholdLine);
      thresholdLine = data.threshold === null || data.threshold === undefined
        ? null
        : confidence.createPriceLine({ price: data.threshold, color: COLORS.dim, lineStyle: LC.LineStyle.Dashed, lineWidth: 1, title: 'threshold' });
      if (!moved) chart.timeScale().fitContent();
      const shown = markers.markers();
      Object.assign(container.dataset, {
        points: String(price.data().length),
        fillMarkers: String(shown.filter((m) => m.id.startsWith('fill:')).length),
        orderMarkers: String(shown.filter((m) => m.id.startsWith('order:')).length),
      });
    }

    return { chart, update };
  }

  window.LadderCharts = { createRunChart };
})();
