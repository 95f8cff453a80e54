/*
 * Where OTLP sends traces and metrics, read from the environment alone: apart from otel.ts so that a run
 * can tell whether telemetry is wanted without loading the OpenTelemetry SDK.
 */

/** Whether any OTLP endpoint is set: otherwise startTelemetry does nothing, and need not be loaded. */
export function otlpConfigured(env: NodeJS.ProcessEnv): boolean {
  return tracesUrl(env) !== null || metricsUrl(env) !== null;
}

/**
 * The traces URL per the OTLP exporter specification: the signal-specific variable is used as is;
 * the base endpoint gets `/v1/traces` appended.
 */
export function tracesUrl(env: NodeJS.ProcessEnv): string | null {
  return signalUrl(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, env.OTEL_EXPORTER_OTLP_ENDPOINT, 'traces');
}

/** The metrics URL, as `tracesUrl`: OTEL_EXPORTER_OTLP_METRICS_ENDPOINT, or the base endpoint + `/v1/metrics`. */
export function metricsUrl(env: NodeJS.ProcessEnv): string | null {
  return signalUrl(env.OTEL_EXPORTER_OTLP_METRICS_ENDPOINT, env.OTEL_EXPORTER_OTLP_ENDPOINT, 'metrics');
}

function signalUrl(own: string | undefined, base: string | undefined, signal: 'traces' | 'metrics'): string | null {
  if (own) return own;
  if (!base) return null;
  return `${base.replace(/\/+$/, '')}/v1/${signal}`;
}
