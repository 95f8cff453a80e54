import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';

export interface Telemetry {
  /** Exports what is buffered and stops; safe to call once at shutdown. */
  shutdown(): Promise<void>;
}

/**
 * Starts OpenTelemetry's NodeSDK with an OTLP/protobuf trace exporter when
 * `OTEL_EXPORTER_OTLP_ENDPOINT` (or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) is set, so Jaeger (which takes
 * OTLP on :4318) shows a span per processed event; returns null, and costs nothing, when neither is.
 * The endpoint comes from `env` (not the process's), so a run can be given its own; headers and
 * timeouts still come from the standard OTEL_EXPORTER_OTLP_* variables of the process.
 */
export function startTelemetry(env: NodeJS.ProcessEnv, serviceName = 'ladder'): Telemetry | null {
  const url = tracesUrl(env);
  if (url === null) return null;
  const sdk = new NodeSDK({
    resource: resourceFromAttributes({ 'service.name': env.OTEL_SERVICE_NAME ?? serviceName }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url }), { maxQueueSize: 65_536, maxExportBatchSize: 2_048 })],
    instrumentations: [],
  });
  sdk.start();
  return { shutdown: () => sdk.shutdown() };
}

/**
 * The traces URL per the OTLP exporter specification: the signal-specific variable is used as is;
 * the base endpoint gets `/v1/traces` appended.
 */
export function tracesUrl(env: NodeJS.ProcessEnv): string | null {
  const traces = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  if (traces) return traces;
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT;
  if (!base) return null;
  return `${base.replace(/\/+$/, '')}/v1/traces`;
}
