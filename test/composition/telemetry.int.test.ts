import 'reflect-metadata';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { paperConfig } from '../../composition/config.ts';
import { runPaper } from '../../composition/paper.ts';
import { RecordingLogger } from '../support/fakes.ts';

/** The part of OTLP's trace.proto (opentelemetry-proto, collector/trace/v1) this test reads. */
const otlp = protobuf.Root.fromJSON({
  nested: {
    ExportTraceServiceRequest: { fields: { resourceSpans: { rule: 'repeated', type: 'ResourceSpans', id: 1 } } },
    ResourceSpans: { fields: { resource: { type: 'Resource', id: 1 }, scopeSpans: { rule: 'repeated', type: 'ScopeSpans', id: 2 } } },
    Resource: { fields: { attributes: { rule: 'repeated', type: 'KeyValue', id: 1 } } },
    KeyValue: { fields: { key: { type: 'string', id: 1 }, value: { type: 'AnyValue', id: 2 } } },
    AnyValue: { fields: { stringValue: { type: 'string', id: 1 } } },
    ScopeSpans: { fields: { spans: { rule: 'repeated', type: 'Span', id: 2 } } },
    Span: { fields: { traceId: { type: 'bytes', id: 1 }, spanId: { type: 'bytes', id: 2 }, parentSpanId: { type: 'bytes', id: 4 }, name: { type: 'string', id: 5 } } },
  },
});
const Request = otlp.lookupType('ExportTraceServiceRequest');

interface ReceivedSpan {
  name: string;
  spanId: string;
  parentSpanId: string;
  service: string;
}

const root = fileURLToPath(new URL('../..', import.meta.url));
const spans: ReceivedSpan[] = [];
let server: Server;
let endpoint: string;

beforeAll(async () => {
  // A real OTLP/HTTP receiver on 127.0.0.1, as Jaeger's on :4318: POST /v1/traces, protobuf body.
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.url === '/v1/traces' && req.headers['content-type'] === 'application/x-protobuf') {
        const body = Request.toObject(Request.decode(Buffer.concat(chunks)), { bytes: String, defaults: true }) as {
          resourceSpans: { resource: { attributes: { key: string; value: { stringValue: string } }[] }; scopeSpans: { spans: { name: string; spanId: string; parentSpanId: string }[] }[] }[];
        };
        for (const rs of body.resourceSpans) {
          const service = rs.resource.attributes.find((a) => a.key === 'service.name')?.value.stringValue ?? '';
          for (const ss of rs.scopeSpans) for (const s of ss.spans) spans.push({ name: s.name, spanId: s.spanId, parentSpanId: s.parentSpanId, service });
        }
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

describe('OpenTelemetry export over OTLP', { timeout: 120_000 }, () => {
  it('exports a span per processed event, with model and order spans beneath them', async () => {
    const config = paperConfig({ input: join(root, 'test/fixtures/btcusdt-sample.jsonl'), db: 'pglite:memory', model: join(root, 'models/baseline') }, {});
    const result = await runPaper(config, { logger: new RecordingLogger(), env: { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint } });
    const c = result.summary.counters;
    const events = spans.filter((s) => s.name.startsWith('event '));
    expect(events).toHaveLength(c.frames);
    expect(events.filter((s) => s.name === 'event book')).toHaveLength(c.bookFrames);
    expect(spans.filter((s) => s.name === 'model.predict')).toHaveLength(c.predictions);
    const submits = spans.filter((s) => s.name === 'order.submit');
    // One span for each signal handed to the execution engine, which decides the orders beneath it.
    expect(submits).toHaveLength(c.signals);
    expect(submits.length).toBeGreaterThan(0);
    const eventIds = new Set(events.map((s) => s.spanId));
    expect(submits.every((s) => eventIds.has(s.parentSpanId))).toBe(true);
    expect(new Set(spans.map((s) => s.service))).toEqual(new Set(['ladder']));
  });
});
