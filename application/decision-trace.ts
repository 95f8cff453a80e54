import {
  ProxyTracerProvider, ROOT_CONTEXT, SpanStatusCode, trace, type Attributes, type Context, type HrTime, type Tracer,
} from '@opentelemetry/api';
import type { OrderObserver } from './order-flow.ts';
import type { ExecutionReport } from './ports/execution-venue.ts';

/** The stages of one tick before its orders, in the order they run; their span names. */
export const STAGE = { book: 0, features: 1, inference: 2, risk: 3 } as const;
export type Stage = (typeof STAGE)[keyof typeof STAGE];
const STAGE_NAMES = ['book applied', 'features', 'inference', 'risk'] as const;

export interface DecisionTraceOptions {
  readonly runId: string;
  /** Share of ticks that cause no order kept anyway, in [0, 1]; order-causing ticks are always kept. */
  readonly sampleRate: number;
  /** Uniform in [0, 1): the draw of each tick without an order. Injected so that tests decide it. */
  readonly random: () => number;
  /** Milliseconds on a monotonic clock (`performance.now()`); injected by tests. */
  readonly now?: () => number;
  /** Epoch milliseconds at which `now()` reads 0 (`performance.timeOrigin`); injected by tests. */
  readonly timeOrigin?: number;
  /** Where spans go; by default the global provider's, and none (tracing off) when no provider is registered. */
  readonly tracer?: Tracer | null;
  /** Orders whose span context is kept for their reports, at most; the oldest is dropped beyond it. */
  readonly maxOpenOrders?: number;
  /**
   * Chooses the trace id of an order-causing tick when its first order is sent, so log lines written
   * during the tick can carry the id of the trace made after it. Without it (or with tracing off), an
   * order's trace id is known only once the tick's spans are made.
   */
  readonly traceIds?: TraceIdSource | null;
}

/** Trace ids chosen before their root span is made: the tracer provider's id generator implements it. */
export interface TraceIdSource {
  /** A new, valid, random trace id (32 lowercase hex digits). */
  create(): string;
  /** The next root span the provider starts takes `traceId`. */
  presetNext(traceId: string): void;
}

interface PendingOrder {
  readonly id: string;
  readonly start: number;
  end: number;
  venueOrderId: string | null;
  /** It reached a final state within its tick: its context is not kept. */
  closed: boolean;
  /** Reports that arrived before the tick's spans were made, with their arrival times. */
  readonly reports: { readonly report: ExecutionReport; readonly at: number }[];
}

interface OpenOrder {
  readonly context: Context;
  /** When the venue had the request: an acknowledgement span runs from here to its arrival. */
  readonly sentAt: number;
  venueOrderId: string | null;
}

/**
 * Set (true) on every `frame received` span: the tick was kept by this trace's own rule, so a sampler
 * must keep it too (the adapter's sampler does).
 */
export const KEPT_ATTRIBUTE = 'ladder.trace.kept';

/** The no-op provider the API falls back to while none is registered. */
const NOOP_PROVIDER = new ProxyTracerProvider().getDelegate();

/** The global tracer, or null when no provider is registered (tracing off). */
export function globalTracer(name = 'ladder'): Tracer | null {
  const provider = trace.getTracerProvider();
  const delegate = provider instanceof ProxyTracerProvider ? provider.getDelegate() : provider;
  return delegate === NOOP_PROVIDER ? null : trace.getTracer(name);
}

/**
 * One trace per tick, kept only when it caused an order or won the draw at `sampleRate`. Whether a
 * tick causes an order is known only at its end, so the tick records plain timestamps (no span
 * objects) as it goes, and the spans are made afterwards with those times: `frame received` (the
 * tick) with children `book applied`, `features`, `inference`, `risk` and one `order submitted` per
 * order; `acknowledged` and `filled` are made under `order submitted` as the venue's reports arrive.
 * With tracing off only the tick's start and decision times are taken (the latency recorders need
 * them); every other call returns at its first line.
 */
export class DecisionTrace implements OrderObserver {
  /** Spans are made; false when no tracer provider is registered. */
  readonly on: boolean;
  private readonly tracer: Tracer | null;
  private readonly now: () => number;
  private readonly originSeconds: number;
  private readonly originMillis: number;
  private readonly maxOpen: number;
  private readonly base: Attributes;
  private readonly starts = new Float64Array(4).fill(NaN);
  private readonly ends = new Float64Array(4).fill(NaN);
  private readonly orders: PendingOrder[] = [];
  private readonly open = new Map<string, OpenOrder>();
  private active = false;
  /** The id this tick's trace will have, chosen at its first order; null before (and without `traceIds`). */
  private tickTraceId: string | null = null;
  private kind = '';
  private received = 0;
  private decidedAt = NaN;

  constructor(private readonly options: DecisionTraceOptions) {
    this.tracer = options.tracer === undefined ? globalTracer() : options.tracer;
    this.on = this.tracer !== null;
    this.now = options.now ?? (() => performance.now());
    const origin = options.timeOrigin ?? performance.timeOrigin;
    this.originSeconds = Math.floor(origin / 1000);
    this.originMillis = origin - this.originSeconds * 1000;
    this.maxOpen = options.maxOpenOrders ?? 4096;
    this.base = { 'ladder.run_id': options.runId };
  }

  /** Span contexts of orders still awaited by reports (bounded by `maxOpenOrders`). */
  get openOrders(): number {
    return this.open.size;
  }

  /**
   * A tick begins: the frame was received. `decides`: the tick may reach a decision, whose time from
   * now `decided` measures; a tick that cannot (a trade, a ticker) takes no reading of the clock
   * unless spans are made, and its `decided` is NaN then.
   */
  begin(kind: string, decides = true): void {
    this.received = decides || this.on ? this.now() : NaN;
    this.decidedAt = NaN;
    this.active = true;
    if (!this.on) return;
    this.tickTraceId = null;
    this.kind = kind;
    this.starts.fill(NaN);
    this.ends.fill(NaN);
    this.orders.length = 0;
  }

  start(stage: Stage): void {
    if (this.on) this.starts[stage] = this.now();
  }

  end(stage: Stage): void {
    if (this.on) this.ends[stage] = this.now();
  }

  /**
   * The decision is made: the first order is on its way, or the tick decided to send none. Returns
   * milliseconds since the frame was received; the first call of a tick counts.
   */
  decided(): number {
    if (Number.isNaN(this.decidedAt)) {
      this.decidedAt = this.now();
      if (this.on && !Number.isNaN(this.starts[STAGE.risk]) && Number.isNaN(this.ends[STAGE.risk])) this.ends[STAGE.risk] = this.decidedAt;
    }
    return this.decidedAt - this.received;
  }

  submitting(clientOrderId: string): void {
    if (!this.active) return;
    // The first order sent is the decision, traced or not.
    this.decided();
    if (!this.on) return;
    // An order-causing tick is always kept: its trace id can be fixed now.
    if (this.tickTraceId === null && this.options.traceIds != null) this.tickTraceId = this.options.traceIds.create();
    this.orders.push({ id: clientOrderId, start: this.now(), end: NaN, venueOrderId: null, closed: false, reports: [] });
  }

  submitted(clientOrderId: string): void {
    if (!this.on || !this.active) return;
    const order = this.pending(clientOrderId);
    if (order !== undefined) order.end = this.now();
  }

  report(report: ExecutionReport): void {
    if (!this.on || (report.kind !== 'accepted' && report.kind !== 'fill')) return;
    const id = report.kind === 'fill' ? report.fill.orderId : report.clientOrderId;
    const at = this.now();
    const pending = this.active ? this.pending(id) : undefined;
    if (pending !== undefined) {
      if (report.kind === 'accepted') pending.venueOrderId = report.venueOrderId;
      pending.reports.push({ report, at });
      return;
    }
    const open = this.open.get(id);
    if (open !== undefined) this.emitReport(open, id, report, at);
  }

  closed(clientOrderId: string): void {
    if (!this.on) return;
    const pending = this.active ? this.pending(clientOrderId) : undefined;
    // An order closed within its own tick has its reports buffered; its context is dropped once they are made.
    if (pending !== undefined) pending.closed = true;
    else this.open.delete(clientOrderId);
  }

  /**
   * The id of the trace an order is in, for log lines about it: known during its tick when `traceIds`
   * is given, and afterwards while its reports are awaited; undefined otherwise and with tracing off.
   */
  traceIdOf(clientOrderId: string): string | undefined {
    if (!this.on) return undefined;
    if (this.active && this.tickTraceId !== null && this.pending(clientOrderId) !== undefined) return this.tickTraceId;
    const open = this.open.get(clientOrderId);
    return open === undefined ? undefined : trace.getSpanContext(open.context)?.traceId;
  }

  /** The tick is over: its spans are made if it is kept. `error` marks a tick that threw (always kept). */
  finish(error?: unknown): void {
    this.active = false;
    if (!this.on) return;
    const kept = this.orders.length > 0 || error !== undefined || this.options.random() < this.options.sampleRate;
    if (kept) this.emit(this.now(), error);
    this.orders.length = 0;
  }

  /**
   * A `now()` reading as an epoch HrTime. Spans are given these rather than numbers: the SDK turns a
   * number into a time through an offset between Date.now() and performance.now() taken per span,
   * which moves spans of one tick by up to a millisecond against each other.
   */
  private hr(ms: number): HrTime {
    const whole = Math.floor(ms / 1000);
    const rest = ms - whole * 1000 + this.originMillis;
    const carry = Math.floor(rest / 1000);
    return [this.originSeconds + whole + carry, Math.round((rest - carry * 1000) * 1e6)];
  }

  private pending(id: string): PendingOrder | undefined {
    for (const o of this.orders) if (o.id === id) return o;
    return undefined;
  }

  private emit(endedAt: number, error: unknown): void {
    const tracer = this.tracer!;
    if (this.tickTraceId !== null) this.options.traceIds!.presetNext(this.tickTraceId);
    const root = tracer.startSpan('frame received', { root: true, startTime: this.hr(this.received), attributes: { ...this.base, 'ladder.event': this.kind, [KEPT_ATTRIBUTE]: true } }, ROOT_CONTEXT);
    if (!Number.isNaN(this.decidedAt)) root.setAttribute('ladder.tick_to_decision_ms', this.decidedAt - this.received);
    if (error !== undefined) {
      root.recordException(error as Error);
      root.setStatus({ code: SpanStatusCode.ERROR });
    }
    const parent = trace.setSpan(ROOT_CONTEXT, root);
    for (let s = 0; s < STAGE_NAMES.length; s++) {
      const start = this.starts[s];
      if (Number.isNaN(start)) continue;
      const end = Number.isNaN(this.ends[s]) ? endedAt : this.ends[s];
      tracer.startSpan(STAGE_NAMES[s], { startTime: this.hr(start), attributes: this.base }, parent).end(this.hr(end));
    }
    for (const order of this.orders) {
      const attributes: Attributes = { ...this.base, 'ladder.order_id': order.id };
      if (order.venueOrderId !== null) attributes['ladder.venue_order_id'] = order.venueOrderId;
      const span = tracer.startSpan('order submitted', { startTime: this.hr(order.start), attributes }, parent);
      const sentAt = Number.isNaN(order.end) ? endedAt : order.end;
      span.end(this.hr(sentAt));
      const open: OpenOrder = { context: trace.setSpan(ROOT_CONTEXT, span), sentAt, venueOrderId: order.venueOrderId };
      for (const { report, at } of order.reports) this.emitReport(open, order.id, report, at);
      if (!order.closed) this.remember(order.id, open);
    }
    root.end(this.hr(endedAt));
  }

  private emitReport(open: OpenOrder, id: string, report: ExecutionReport, at: number): void {
    const tracer = this.tracer!;
    if (report.kind === 'accepted') {
      open.venueOrderId = report.venueOrderId;
      const attributes = { ...this.base, 'ladder.order_id': id, 'ladder.venue_order_id': report.venueOrderId, 'ladder.venue_ts_us': report.ts };
      // From the request's departure to the acknowledgement's arrival: the venue's round trip.
      tracer.startSpan('acknowledged', { startTime: this.hr(Math.min(open.sentAt, at)), attributes }, open.context).end(this.hr(at));
      return;
    }
    if (report.kind !== 'fill') return;
    const { fill } = report;
    const attributes: Attributes = {
      ...this.base, 'ladder.order_id': id, 'ladder.fill.qty_lots': fill.qty, 'ladder.fill.price_ticks': fill.price,
      'ladder.fill.maker': fill.liquidity === 'maker', 'ladder.fill.trade_id': fill.tradeId, 'ladder.venue_ts_us': fill.ts,
    };
    if (open.venueOrderId !== null) attributes['ladder.venue_order_id'] = open.venueOrderId;
    tracer.startSpan('filled', { startTime: this.hr(at), attributes }, open.context).end(this.hr(at));
  }

  private remember(id: string, open: OpenOrder): void {
    if (this.open.size >= this.maxOpen) {
      // Map iterates in insertion order: the oldest order still awaited goes first.
      const oldest = this.open.keys().next();
      if (oldest.done !== true) this.open.delete(oldest.value);
    }
    this.open.set(id, open);
  }
}

