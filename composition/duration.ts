import { ConfigError } from './config-error.ts';

/** The units a duration takes, in milliseconds. A bare number is refused: `--duration 10` is ambiguous. */
export const DURATION_UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * A duration written with its unit — `500ms`, `90s`, `15m`, `1.5h`, `2d` — in milliseconds, rounded
 * to the millisecond and positive. A number without a unit, a negative one or another unit throws a
 * `ConfigError` naming `field`.
 */
export function parseDuration(field: string, text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text);
  if (m === null) throw new ConfigError(field, `"${text}" is not a duration: a positive number with a unit, like 500ms, 90s, 15m, 1h or 2d`);
  if (m[2] === '') throw new ConfigError(field, `"${text}" has no unit: write ${m[1]}s, ${m[1]}m or ${m[1]}h (units: ms, s, m, h, d)`);
  const unit = DURATION_UNITS[m[2].toLowerCase()];
  if (unit === undefined) throw new ConfigError(field, `"${text}": "${m[2]}" is not a unit of time (ms, s, m, h, d)`);
  const ms = Math.round(Number(m[1]) * unit);
  if (ms <= 0) throw new ConfigError(field, `"${text}" is not a positive duration`);
  return ms;
}
