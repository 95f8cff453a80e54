import { fc, test as prop } from '@fast-check/vitest';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { DecisionTrace, KEPT_ATTRIBUTE, STAGE, type DecisionTraceOptions } from '../../application/decision-trace.ts';
import type { ExecutionReport } from '../../application/ports/execution-venue.ts';
import { PresetTraceIds } from '../../adapters/telemetry/otel.ts';
import type { Fill } from '../../domain/trading/fill.ts';
import type { Cash, Lots, Micros, Ticks } from '../../domain/values/units.ts';

/** A trace on an in-memory exporter, a clock stepped by hand (ms) and a scripted draw. */
function setup(options: Partial<DecisionTraceOptions> & { draws?: number[]; ids?: PresetTraceIds } = {}) {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)], ...(options.ids === undefined ? {} : { idGenerator: options.ids }) });
  let now = 1000;
  const draws = options.draws ?? [];
  const trace = new DecisionTrace({
    runId: 'run-1', sampleRate: 0, random: () => draws.shift() ?? 0.5, now: () => now, timeOrigin: 1_700_000_000_000,
    tracer: provider.getTracer('test'), ...options,
  });
  return { trace, spans: () => exporter.getFinishedSpans(), tick: (ms = 0.1) => (now += ms) };
}

const fill = (orderId: string, qty: number, tradeId: string): ExecutionReport => ({
  kind: 'fill',
  fill: { tradeId, orderId, symbol: 'BTCUSDT', side: 'Buy', price: 1_000_000 as Ticks, qty: qty as Lots, fee: 0 as Cash, liquidity: 'maker', ts: 5 as Micros } satisfies Fill,
});
const accepted = (id: string): ExecutionReport => ({ kind: 'accepted', clientOrderId: id, venueOrderId: `v-${id}`, ts: 4 as Micros });

const byName = (spans: readonly ReadableSpan[], name: string): ReadableSpan[] => spans.filter((s) => s.name === name);
const startUs = (s: ReadableSpan): number => s.startTime[0] * 1e6 + s.startTime[1] / 1e3;

/** Runs one tick through every stage; sends an order `id` unless null. */
function decisionTick(s: ReturnType<typeof setup>, id: string | null): void {
  const { trace, tick } = s;
  trace.begin('book');
  for (const stage of [STAGE.book, STAGE.features, STAGE.inference, STAGE.risk]) {
    trace.start(stage);
    tick();
    // The risk stage ends at the decision: the order sent, or the tick's end.
    if (stage !== STAGE.risk) trace.end(stage);
  }
  if (id !== null) {
    trace.submitting(id);
    tick();
    trace.submitted(id);
  }
  trace.decided();
  tick();
  trace.finish();
}

describe('DecisionTrace', () => {
  it('makes the spans of an order-causing tick after it, with the times recorded, parent-linked, even at rate 0', () => {
    const s = setup();
    decisionTick(s, 'L1-1');
    const spans = s.spans();
    const [root] = byName(spans, 'frame received');
    expect(root.parentSpanContext).toBeUndefined();
    expect(root.attributes).toMatchObject({ 'ladder.run_id': 'run-1', 'ladder.event': 'book', [KEPT_ATTRIBUTE]: true });
    const names = ['book applied', 'features', 'inference', 'risk', 'order submitted'];
    const children = names.map((n) => byName(spans, n)[0]);
    for (const c of children) {
      expect(c.parentSpanContext?.spanId).toBe(root.spanContext().spanId);
      expect(c.spanContext().traceId).toBe(root.spanContext().traceId);
      expect(c.attributes['ladder.run_id']).toBe('run-1');
    }
    // Stages 0.1 ms apart, from the clock the tick read (epoch origin + 1000 ms).
    expect(children.map((c) => Math.round(startUs(c) - startUs(root)))).toEqual([0, 100, 200, 300, 400]);
    expect(children[4].attributes['ladder.order_id']).toBe('L1-1');
    expect(startUs(root)).toBeCloseTo(1_700_000_001_000_000, 0);
  });

  it('makes acknowledged and filled spans under order submitted as reports arrive, then forgets the closed order', () => {
    const s = setup();
    decisionTick(s, 'L1-1');
    s.tick(2);
    s.trace.report(accepted('L1-1'));
    s.tick(1);
    s.trace.report(fill('L1-1', 2, 't1'));
    s.trace.report(fill('L1-1', 3, 't2'));
    s.trace.closed('L1-1');
    expect(s.trace.openOrders).toBe(0);
    s.trace.report(fill('L1-1', 1, 't3'));
    const spans = s.spans();
    const submitted = byName(spans, 'order submitted')[0];
    const [ack] = byName(spans, 'acknowledged');
    const fills = byName(spans, 'filled');
    expect(fills).toHaveLength(2);
    for (const c of [ack, ...fills]) expect(c.parentSpanContext?.spanId).toBe(submitted.spanContext().spanId);
    expect(ack.attributes['ladder.venue_order_id']).toBe('v-L1-1');
    expect(fills.map((f) => f.attributes['ladder.fill.qty_lots'])).toEqual([2, 3]);
    expect(fills[0].attributes).toMatchObject({ 'ladder.fill.maker': true, 'ladder.fill.price_ticks': 1_000_000, 'ladder.venue_order_id': 'v-L1-1' });
    expect(startUs(ack)).toBeGreaterThanOrEqual(startUs(submitted));
    expect(startUs(fills[0])).toBeGreaterThan(startUs(ack));
  });

  it('buffers the reports that arrive within the order’s own tick and makes them after its span', () => {
    const s = setup();
    s.trace.begin('book');
    s.trace.submitting('L1-1');
    s.trace.report(accepted('L1-1'));
    s.trace.report(fill('L1-1', 1, 't1'));
    s.trace.closed('L1-1');
    s.trace.submitted('L1-1');
    s.trace.finish();
    const spans = s.spans();
    const submitted = byName(spans, 'order submitted')[0];
    expect(submitted.attributes['ladder.venue_order_id']).toBe('v-L1-1');
    expect(byName(spans, 'filled')[0].parentSpanContext?.spanId).toBe(submitted.spanContext().spanId);
    expect(s.trace.openOrders).toBe(0);
  });

  it('keeps at most maxOpenOrders span contexts, dropping the oldest', () => {
    const s = setup({ maxOpenOrders: 2 });
    for (const id of ['a', 'b', 'c']) decisionTick(s, id);
    expect(s.trace.openOrders).toBe(2);
    s.trace.report(accepted('a'));
    s.trace.report(accepted('c'));
    expect(byName(s.spans(), 'acknowledged').map((a) => a.attributes['ladder.order_id'])).toEqual(['c']);
  });

  it('keeps a tick that threw, marked as an error', () => {
    const s = setup();
    s.trace.begin('book');
    s.trace.finish(new Error('boom'));
    expect(byName(s.spans(), 'frame received')[0].status.code).toBe(2);
  });

  it('measures the decision at the first order sent, tracing on or off', () => {
    for (const tracer of [undefined, null]) {
      const s = setup(tracer === null ? { tracer: null } : {});
      s.trace.begin('book');
      s.tick(0.25);
      s.trace.submitting('x');
      s.tick(5);
      s.trace.submitted('x');
      expect(s.trace.decided()).toBeCloseTo(0.25, 9);
      s.trace.finish();
    }
  });

  it('knows an order’s trace id from the order on, when the provider takes preset ids; a tick without an order draws none', () => {
    const ids = new PresetTraceIds();
    const created: string[] = [];
    const create = ids.create.bind(ids);
    ids.create = () => {
      const id = create();
      created.push(id);
      return id;
    };
    const s = setup({ ids, traceIds: ids, sampleRate: 1 });
    decisionTick(s, null);
    expect(created).toHaveLength(0);
    const { trace, tick } = s;
    trace.begin('book');
    expect(trace.traceIdOf('L1-1')).toBeUndefined();
    trace.submitting('L1-1');
    const during = trace.traceIdOf('L1-1');
    trace.submitting('L1-2');
    expect(created).toHaveLength(1);
    expect(during).toBe(created[0]);
    expect(trace.traceIdOf('L1-2')).toBe(during);
    expect(trace.traceIdOf('other')).toBeUndefined();
    tick();
    trace.finish();
    const roots = byName(s.spans(), 'frame received');
    expect(roots).toHaveLength(2);
    expect(roots[1].spanContext().traceId).toBe(during);
    // The first tick's root (no preset) got a random id of its own.
    expect(roots[0].spanContext().traceId).not.toBe(during);
    for (const span of byName(s.spans(), 'order submitted')) expect(span.spanContext().traceId).toBe(during);
    // After the tick, from the order's kept context while its reports are awaited.
    expect(trace.traceIdOf('L1-1')).toBe(during);
    trace.closed('L1-1');
    expect(trace.traceIdOf('L1-1')).toBeUndefined();
  });

  it('knows an order’s trace id only after its tick without preset ids, and never with tracing off', () => {
    const s = setup();
    s.trace.begin('book');
    s.trace.submitting('L1-1');
    expect(s.trace.traceIdOf('L1-1')).toBeUndefined();
    s.trace.finish();
    expect(s.trace.traceIdOf('L1-1')).toBe(byName(s.spans(), 'frame received')[0].spanContext().traceId);
    const off = setup({ tracer: null, traceIds: new PresetTraceIds() });
    off.trace.begin('book');
    off.trace.submitting('L1-1');
    expect(off.trace.traceIdOf('L1-1')).toBeUndefined();
    off.trace.finish();
    expect(off.trace.traceIdOf('L1-1')).toBeUndefined();
  });

  it('reads no clock for a tick that cannot decide, unless spans are made', () => {
    let reads = 0;
    const off = setup({ tracer: null, now: () => ++reads });
    off.trace.begin('trades', false);
    off.trace.finish();
    expect(reads).toBe(0);
    off.trace.begin('book');
    expect(reads).toBe(1);
    expect(off.trace.decided()).toBe(1);
    off.trace.finish();
    const on = setup();
    on.trace.begin('trades', false);
    on.tick(0.5);
    expect(on.trace.decided()).toBeCloseTo(0.5, 9);
    on.trace.finish();
  });

  it('PresetTraceIds: a preset id is used by the next root span only, and an invalid one is refused', () => {
    const ids = new PresetTraceIds();
    const id = ids.create();
    expect(id).toMatch(/^[0-9a-f]{32}$/);
    ids.presetNext(id);
    expect(ids.generateTraceId()).toBe(id);
    expect(ids.generateTraceId()).not.toBe(id);
    expect(() => ids.presetNext('0'.repeat(32))).toThrow(/not a valid trace id/);
    expect(() => ids.presetNext('ABC')).toThrow(/"ABC" is not a valid trace id/);
    expect(ids.generateSpanId()).toMatch(/^[0-9a-f]{16}$/);
  });

  it('is off, and makes nothing, without a tracer', () => {
    const s = setup({ tracer: null });
    expect(s.trace.on).toBe(false);
    decisionTick(s, 'L1-1');
    s.trace.report(accepted('L1-1'));
    expect(s.trace.openOrders).toBe(0);
  });

  prop.prop([fc.array(fc.record({ order: fc.boolean(), draw: fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }) }), { maxLength: 30 }), fc.double({ min: 0, max: 1, noNaN: true })])(
    'keeps exactly the ticks that sent an order or drew below the rate',
    (ticks, rate) => {
      const s = setup({ sampleRate: rate, draws: ticks.filter((t) => !t.order).map((t) => t.draw) });
      ticks.forEach((t, i) => decisionTick(s, t.order ? `o-${i}` : null));
      const kept = ticks.filter((t) => t.order || t.draw < rate).length;
      expect(byName(s.spans(), 'frame received')).toHaveLength(kept);
    },
  );
});
