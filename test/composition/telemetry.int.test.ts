import 'reflect-metadata';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import protobuf from 'protobufjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Order } from '../../domain/trading/order.ts';
import { paperConfig } from '../../composition/config.ts';
import { runPaper, type PaperResult } from '../../composition/paper.ts';
import { RecordingLogger } from '../support/fakes.ts';
import { defaultModelAt } from '../support/models.ts';

/**
 * The parts of OTLP's trace.proto and metrics.proto (opentelemetry-proto, collector/trace/v1 and
 * collector/metrics/v1) this test reads, with their field numbers.
 */
const otlp = protobuf.Root.fromJSON({
  nested: {
    ExportTraceServiceRequest: { fields: { resourceSpans: { rule: 'repeated', type: 'ResourceSpans', id: 1 } } },
    ResourceSpans: { fields: { resource: { type: 'Resource', id: 1 }, scopeSpans: { rule: 'repeated', type: 'ScopeSpans', id: 2 } } },
    Resource: { fields: { attributes: { rule: 'repeated', type: 'KeyValue', id: 1 } } },
    KeyValue: { fields: { key: { type: 'string', id: 1 }, value: { type: 'AnyValue', id: 2 } } },
    AnyValue: {
      oneofs: { value: { oneof: ['stringValue', 'boolValue', 'intValue', 'doubleValue'] } },
      fields: { stringValue: { type: 'string', id: 1 }, boolValue: { type: 'bool', id: 2 }, intValue: { type: 'int64', id: 3 }, doubleValue: { type: 'double', id: 4 } },
    },
    ScopeSpans: { fields: { spans: { rule: 'repeated', type: 'Span', id: 2 } } },
    Span: {
      fields: {
        traceId: { type: 'bytes', id: 1 },
        spanId: { type: 'bytes', id: 2 },
        parentSpanId: { type: 'bytes', id: 4 },
        name: { type: 'string', id: 5 },
        startTimeUnixNano: { type: 'fixed64', id: 7 },
        endTimeUnixNano: { type: 'fixed64', id: 8 },
        attributes: { rule: 'repeated', type: 'KeyValue', id: 9 },
      },
    },
    ExportMetricsServiceRequest: { fields: { resourceMetrics: { rule: 'repeated', type: 'ResourceMetrics', id: 1 } } },
    ResourceMetrics: { fields: { resource: { type: 'Resource', id: 1 }, scopeMetrics: { rule: 'repeated', type: 'ScopeMetrics', id: 2 } } },
    ScopeMetrics: { fields: { metrics: { rule: 'repeated', type: 'Metric', id: 2 } } },
    Metric: {
      fields: {
        name: { type: 'string', id: 1 }, unit: { type: 'string', id: 3 },
        gauge: { type: 'NumberPoints', id: 5 }, sum: { type: 'NumberPoints', id: 7 }, histogram: { type: 'Histogram', id: 9 },
      },
    },
    NumberPoints: { fields: { dataPoints: { rule: 'repeated', type: 'NumberDataPoint', id: 1 } } },
    NumberDataPoint: { fields: { asDouble: { type: 'double', id: 4 }, asInt: { type: 'sfixed64', id: 6 } } },
    Histogram: { fields: { dataPoints: { rule: 'repeated', type: 'HistogramDataPoint', id: 1 } } },
    HistogramDataPoint: { fields: { count: { type: 'fixed64', id: 4 }, sum: { type: 'double', id: 5 } } },
  },
});
const TraceRequest = otlp.lookupType('ExportTraceServiceRequest');
const MetricsRequest = otlp.lookupType('ExportMetricsServiceRequest');

type Value = string | number | boolean;
interface DecodedKeyValue { key: string; value: { stringValue?: string; boolValue?: boolean; intValue?: string; doubleValue?: number } }

interface ReceivedSpan {
  readonly name: string;
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string;
  readonly start: bigint;
  readonly end: bigint;
  readonly attributes: ReadonlyMap<string, Value>;
  readonly service: string;
}

interface ReceivedMetric {
  readonly name: string;
  /** Histogram counts or gauge/counter values, one per data point. */
  readonly values: number[];
}

function attributeMap(list: readonly DecodedKeyValue[]): Map<string, Value> {
  const out = new Map<string, Value>();
  for (const { key, value } of list) {
    const v = value.stringValue ?? value.boolValue ?? (value.intValue === undefined ? value.doubleValue : Number(value.intValue));
    if (v !== undefined) out.set(key, v);
  }
  return out;
}

function decodeTraces(body: Buffer, into: ReceivedSpan[]): void {
  const request = TraceRequest.toObject(TraceRequest.decode(body), { bytes: String, longs: String, defaults: true, oneofs: false }) as {
    resourceSpans: { resource: { attributes: DecodedKeyValue[] }; scopeSpans: { spans: (Record<'traceId' | 'spanId' | 'parentSpanId' | 'name' | 'startTimeUnixNano' | 'endTimeUnixNano', string> & { attributes: DecodedKeyValue[] })[] }[] }[];
  };
  for (const rs of request.resourceSpans) {
    const service = String(attributeMap(rs.resource.attributes).get('service.name') ?? '');
    for (const ss of rs.scopeSpans) {
      for (const s of ss.spans) {
        into.push({
          name: s.name, traceId: s.traceId, spanId: s.spanId, parentSpanId: s.parentSpanId,
          start: BigInt(s.startTimeUnixNano), end: BigInt(s.endTimeUnixNano), attributes: attributeMap(s.attributes), service,
        });
      }
    }
  }
}

function decodeMetrics(body: Buffer, into: ReceivedMetric[]): void {
  const request = MetricsRequest.toObject(MetricsRequest.decode(body), { longs: String, defaults: false }) as {
    resourceMetrics?: { scopeMetrics?: { metrics?: { name: string; gauge?: Points; sum?: Points; histogram?: { dataPoints?: { count?: string }[] } }[] }[] }[];
  };
  type Points = { dataPoints?: { asDouble?: number; asInt?: string }[] };
  for (const rm of request.resourceMetrics ?? []) {
    for (const sm of rm.scopeMetrics ?? []) {
      for (const m of sm.metrics ?? []) {
        const values = m.histogram !== undefined
          ? (m.histogram.dataPoints ?? []).map((p) => Number(p.count ?? 0))
          : ((m.gauge ?? m.sum)?.dataPoints ?? []).map((p) => p.asDouble ?? Number(p.asInt ?? 0));
        into.push({ name: m.name, values });
      }
    }
  }
}

const spans: ReceivedSpan[] = [];
const metrics: ReceivedMetric[] = [];
let server: Server;
let endpoint: string;

beforeAll(async () => {
  // A real OTLP/HTTP receiver on 127.0.0.1, as Jaeger's on :4318: POST /v1/traces and /v1/metrics, protobuf bodies.
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.headers['content-type'] === 'application/x-protobuf') {
        if (req.url === '/v1/traces') decodeTraces(Buffer.concat(chunks), spans);
        if (req.url === '/v1/metrics') decodeMetrics(Buffer.concat(chunks), metrics);
      }
      res.writeHead(200, { 'content-type': 'application/x-protobuf' });
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

/** The spans of one decision, in the order the trace must show them. */
const STAGES = ['frame received', 'book applied', 'features', 'inference', 'risk', 'order submitted'] as const;
/** Share of ticks without an order that are traced anyway (`--trace-sample-rate`). */
const SAMPLE_RATE = 0.1;

describe('decision traces and metrics over OTLP', { timeout: 120_000 }, () => {
  let result: PaperResult;
  let orders: readonly Order[] = [];
  const logger = new RecordingLogger();

  beforeAll(async () => {
    // `npm run app:paper -- --source synthetic --seed 7 --duration 30s --db pglite:memory`, at full speed. The
    // default model's confidence stays under its threshold (0.536) for the first minutes of this market, so
    // the run trades a copy of it whose manifest sets the threshold at 0.4: 16 orders in the 30 s. The
    // sample rate is 0.1, not the default 0.01: over the ~1,600 ticks of this run the default keeps about
    // 16, too few for a bound on the draw that is both tight and never fails by chance.
    const model = defaultModelAt(0.4);
    const config = paperConfig(
      { source: 'synthetic', seed: '7', duration: '30s', db: 'pglite:memory', speed: 'max', model, 'trace-sample-rate': String(SAMPLE_RATE) },
      {},
    );
    result = await runPaper(config, {
      logger,
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_METRIC_EXPORT_INTERVAL: '500' },
      afterRun: async (store, runId) => {
        orders = await store.readOrders(runId);
      },
    });
  });

  it('makes one trace per order-causing tick: every stage, the acknowledgement and each fill, parent-linked and in time order', () => {
    expect(orders.length).toBeGreaterThan(10);
    expect(orders.some((o) => o.filledQty > 0)).toBe(true);
    const byTrace = new Map<string, ReceivedSpan[]>();
    for (const s of spans) byTrace.set(s.traceId, [...(byTrace.get(s.traceId) ?? []), s]);
    for (const order of orders) {
      const submitted = spans.filter((s) => s.name === 'order submitted' && s.attributes.get('ladder.order_id') === order.id);
      expect(submitted, order.id).toHaveLength(1);
      const trace = byTrace.get(submitted[0].traceId)!;
      const [root, ...stages] = STAGES.map((name) => {
        const found = name === 'order submitted' ? submitted : trace.filter((s) => s.name === name);
        expect(found, `${order.id}: ${name}`).toHaveLength(1);
        return found[0];
      });
      expect(root.parentSpanId).toBe('');
      for (const s of stages) expect(s.parentSpanId, `${order.id}: ${s.name}`).toBe(root.spanId);
      const starts = [root, ...stages].map((s) => s.start);
      expect(starts).toEqual([...starts].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
      const sub = submitted[0];
      const acks = trace.filter((s) => s.name === 'acknowledged' && s.attributes.get('ladder.order_id') === order.id);
      expect(acks, `${order.id}: acknowledged`).toHaveLength(order.venueOrderId === null ? 0 : 1);
      const fills = trace.filter((s) => s.name === 'filled' && s.attributes.get('ladder.order_id') === order.id);
      for (const s of [...acks, ...fills]) {
        expect(s.parentSpanId).toBe(sub.spanId);
        expect(s.start).toBeGreaterThanOrEqual(sub.start);
        expect(s.attributes.get('ladder.venue_order_id')).toBe(order.venueOrderId);
      }
      for (const f of fills) expect(f.start).toBeGreaterThanOrEqual(acks[0].start);
      expect(fills.reduce((sum, f) => sum + Number(f.attributes.get('ladder.fill.qty_lots')), 0), `${order.id}: filled lots`).toBe(order.filledQty);
      expect(fills.every((f) => typeof f.attributes.get('ladder.fill.maker') === 'boolean' && Number(f.attributes.get('ladder.fill.price_ticks')) > 0)).toBe(true);
      expect(trace.every((s) => s.attributes.get('ladder.run_id') === result.runId)).toBe(true);
    }
    expect(new Set(spans.map((s) => s.service))).toEqual(new Set(['ladder']));
  });

  it('logs each order sent with the run id and the id of the trace it is in', () => {
    expect(orders.length).toBeGreaterThan(10);
    for (const order of orders) {
      const lines = logger.lines.filter((l) => l.message === 'order sent' && l.fields.orderId === order.id);
      expect(lines, order.id).toHaveLength(1);
      const [submitted] = spans.filter((s) => s.name === 'order submitted' && s.attributes.get('ladder.order_id') === order.id);
      // The OTLP bytes arrive here as base64; a log line has the hex form Jaeger shows.
      const traceId = Buffer.from(submitted.traceId, 'base64').toString('hex');
      expect(traceId).toMatch(/^[0-9a-f]{32}$/);
      expect(lines[0].fields).toMatchObject({ runId: result.runId, trace_id: traceId, side: order.side, qty: order.qty });
    }
  });

  it('keeps ticks without an order at about the sample rate', () => {
    const withOrder = new Set(spans.filter((s) => s.name === 'order submitted').map((s) => s.traceId));
    const roots = spans.filter((s) => s.name === 'frame received');
    expect(new Set(roots.map((s) => s.traceId)).size).toBe(roots.length);
    const others = roots.filter((s) => !withOrder.has(s.traceId)).length;
    // A binomial draw over every tick without an order: 0.1 × ~1,600 ≈ 160, its standard deviation about 12,
    // so the bounds (±50%) sit over 6 standard deviations out. A rate of 0.01 or 1 lands far outside them.
    const n = result.summary.counters.frames - withOrder.size;
    const expected = SAMPLE_RATE * n;
    expect(n).toBeGreaterThan(1000);
    expect(others).toBeGreaterThan(expected * 0.5);
    expect(others).toBeLessThan(expected * 1.5);
  });

  it('exports tick-to-decision for every tick that reached inference, and feed and writer health', () => {
    const counts = metrics.filter((m) => m.name === 'ladder.tick_to_decision').flatMap((m) => m.values);
    // Cumulative temporality: the last export (at shutdown) counts every tick.
    expect(Math.max(0, ...counts)).toBe(result.summary.counters.predictions);
    const frames = metrics.filter((m) => m.name === 'ladder.feed.frames').flatMap((m) => m.values);
    expect(Math.max(0, ...frames)).toBeGreaterThan(0);
    const names = new Set(metrics.map((m) => m.name));
    for (const name of ['ladder.feed.book_state', 'ladder.feed.gaps', 'ladder.feed.resyncs', 'ladder.feed.latency', 'ladder.writer.queued', 'ladder.writer.lag']) {
      expect(names, name).toContain(name);
    }
  });
});
