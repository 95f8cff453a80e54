import { trace } from '@opentelemetry/api';
import { pino, type DestinationStream, type Level } from 'pino';
import type { Logger } from '../../application/ports/logger.ts';
import { HumanLines } from './human-lines.ts';
import { withUnits, type LogUnits } from './units.ts';

/** Keys whose values never reach a log line, wherever they appear in the first levels of a record. */
export const REDACTED_KEYS = ['apiKey', 'apiSecret', 'secret', 'password', 'token', 'authorization'];

export interface LogOptions {
  readonly level: Level | 'silent';
  /** Where lines go; standard error by default, so standard output stays for results. */
  readonly destination?: DestinationStream;
  /** `json` lines (the default), or `pretty`: one readable line a record, for a terminal. */
  readonly format?: 'json' | 'pretty';
  /**
   * The instrument's grid and currencies: each price in ticks and size in lots is then also given in
   * currency, beside the raw integer (`"limitPrice":899974,"limitPriceUsdt":"89997.4"`), and the
   * pretty lines show it (`limit 89,997.4 USDT`).
   */
  readonly units?: LogUnits | null;
}

/**
 * JSON lines through pino, asynchronous, with secrets redacted. A line written while an OpenTelemetry
 * span is active carries its `trace_id` and `span_id`, so a log line leads to its trace in Jaeger.
 */
export function createPinoLogger(options: LogOptions): Logger {
  const paths = REDACTED_KEYS.flatMap((k) => [k, `*.${k}`]);
  const units = options.units ?? null;
  const log = pino(
    {
      level: options.level,
      base: { app: 'ladder' },
      // A secret that is not set (null, empty) leaves no trace: the key is dropped rather than shown as redacted.
      redact: { paths, censor: (value: unknown) => (value === null || value === undefined || value === '' ? undefined : '[redacted]') },
      mixin: traceFields,
      ...(units === null ? {} : { formatters: { log: (record: Record<string, unknown>) => withUnits(record, units) } }),
    },
    options.destination ?? (options.format === 'pretty' ? new HumanLines(process.stderr, units) : pino.destination({ fd: 2, sync: false })),
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
