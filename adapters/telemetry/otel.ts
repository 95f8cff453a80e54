import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { BatchSpanProcessor, ParentBasedSampler, RandomIdGenerator, type IdGenerator } from '@opentelemetry/sdk-trace-base';
import type { TraceIdSource } from '../../application/decision-trace.ts';
import { DecisionSampler } from './decision-sampler.ts';
import { metricsUrl, tracesUrl } from './otlp-endpoints.ts';

export interface Telemetry {
  /** The provider's trace ids: the loop fixes an order-causing tick's id early, for its log lines. */
  readonly traceIds: TraceIdSource;
  /** Exports what is buffered (spans, the last metrics) and stops; safe to call once at shutdown. */
  shutdown(): Promise<void>;
}

/**
 * The SDK's random ids, except that a root span started after `presetNext(id)` takes `id` (once).
 * The decision trace makes its spans after the tick, so this is how a log line written during the
 * tick can already carry the trace's id.
 */
export class PresetTraceIds implements IdGenerator, TraceIdSource {
  private readonly random = new RandomIdGenerator();
  private next: string | null = null;

  create(): string {
    return this.random.generateTraceId();
  }

  presetNext(traceId: string): void {
    if (!/^[0-9a-f]{32}$/.test(traceId) || /^0+$/.test(traceId)) throw new RangeError(`"${traceId}" is not a valid trace id (32 lowercase hex digits, not all zero)`);
    this.next = traceId;
  }

  generateTraceId(): string {
    const preset = this.next;
    if (preset === null) return this.random.generateTraceId();
    this.next = null;
    return preset;
  }

  generateSpanId(): string {
    return this.random.generateSpanId();
  }
}

export interface TelemetryOptions {
  /**
   * Share of root spans kept that the loop did not choose itself, in [0, 1]; 0.01 when absent. The
   * loop's decision traces are kept by their own rule (every order-causing tick, the rest at the
   * loop's `traceSampleRate`), which composition sets to the same value.
   */
  readonly sampleRate?: number;
  /** `service.name` unless OTEL_SERVICE_NAME is set; 'ladder' when absent. */
  readonly serviceName?: string;
}

/** OTLP's default export interval for metrics, ms (OTEL_METRIC_EXPORT_INTERVAL). */
const DEFAULT_METRIC_INTERVAL_MS = 10_000;

/**
 * Starts OpenTelemetry's NodeSDK with OTLP/protobuf exporters when `OTEL_EXPORTER_OTLP_ENDPOINT` (or
 * a signal's own `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` / `OTEL_EXPORTER_OTLP_METRICS_ENDPOINT`) is set:
 * the decision traces (Jaeger takes OTLP on :4318) and the loop's metrics through a periodic reader
 * every OTEL_METRIC_EXPORT_INTERVAL ms (10 s by default). Returns null, and costs nothing, when none
 * is set. The endpoints and the interval come from `env` (not the process's), so a run can be given
 * its own; headers and timeouts still come from the standard OTEL_EXPORTER_OTLP_* variables of the process.
 */
export function startTelemetry(env: NodeJS.ProcessEnv, options: TelemetryOptions = {}): Telemetry | null {
  const traces = tracesUrl(env);
  const metrics = metricsUrl(env);
  if (traces === null && metrics === null) return null;
  const rate = options.sampleRate ?? 0.01;
  if (!(rate >= 0 && rate <= 1)) throw new RangeError(`trace sample rate ${rate} is not within [0, 1]`);
  const traceIds = new PresetTraceIds();
  const sdk = new NodeSDK({
    idGenerator: traceIds,
    resource: resourceFromAttributes({ 'service.name': env.OTEL_SERVICE_NAME ?? options.serviceName ?? 'ladder' }),
    sampler: new ParentBasedSampler({ root: new DecisionSampler(rate) }),
    // An empty list, not an absent one: the SDK would otherwise build exporters from the process's variables.
    spanProcessors: traces === null ? [] : [new BatchSpanProcessor(new OTLPTraceExporter({ url: traces }), { maxQueueSize: 65_536, maxExportBatchSize: 2_048 })],
    metricReaders: metrics === null
      ? []
      : [new PeriodicExportingMetricReader({ exporter: new OTLPMetricExporter({ url: metrics }), ...metricTiming(env) })],
    instrumentations: [],
  });
  sdk.start();
  return { traceIds, shutdown: () => sdk.shutdown() };
}

/** The export interval from OTEL_METRIC_EXPORT_INTERVAL (ms); the export timeout may not exceed it. */
function metricTiming(env: NodeJS.ProcessEnv): { exportIntervalMillis: number; exportTimeoutMillis: number } {
  const text = env.OTEL_METRIC_EXPORT_INTERVAL;
  const parsed = text === undefined || text.trim() === '' ? DEFAULT_METRIC_INTERVAL_MS : Number(text);
  const interval = Number.isFinite(parsed) && parsed > 0 ? Math.round(parsed) : DEFAULT_METRIC_INTERVAL_MS;
  return { exportIntervalMillis: interval, exportTimeoutMillis: Math.min(interval, 30_000) };
}
