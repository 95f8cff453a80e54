import { trace } from '@opentelemetry/api';
import { pino, type DestinationStream, type Level } from 'pino';
import type { Logger } from '../../application/ports/logger.ts';
import { HumanLines } from './human-lines.ts';

/** Keys whose values never reach a log line, wherever they appear in the first levels of a record. */
export const REDACTED_KEYS = ['apiKey', 'apiSecret', 'secret', 'password', 'token', 'authorization'];

export interface LogOptions {
  readonly level: Level | 'silent';
  /** Where lines go; standard error by default, so standard output stays for results. */
  readonly destination?: DestinationStream;
  /** `json` lines (the default), or `human`: one readable line a record, for a terminal. */
  readonly format?: 'json' | 'human';
}

/**
 * JSON lines through pino, asynchronous, with secrets redacted. A line written while an OpenTelemetry
 * span is active carries its `trace_id` and `span_id`, so a log line leads to its trace in Jaeger.
 */
export function createPinoLogger(options: LogOptions): Logger {
  const paths = REDACTED_KEYS.flatMap((k) => [k, `*.${k}`]);
  const log = pino(
    { level: options.level, base: { app: 'ladder' }, redact: { paths, censor: '[redacted]' }, mixin: traceFields },
    options.destination ?? (options.format === 'human' ? new HumanLines(process.stderr) : pino.destination({ fd: 2, sync: false })),
  );
  return {
    debug: (fields, message) => log.debug(fields, message),
    info: (fields, message) => log.info(fields, message),
    warn: (fields, message) => log.warn(fields, message),
    error: (fields, message) => log.error(fields, message),
  };
}

function traceFields(): Record<string, string> {
  const context = trace.getActiveSpan()?.spanContext();
  return context === undefined ? {} : { trace_id: context.traceId, span_id: context.spanId };
}
