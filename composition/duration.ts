import { ConfigError } from './config-error.ts';

/** The units a duration takes, in milliseconds. A bare number is refused: `--duration 10` is ambiguous. */
export const DURATION_UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * A duration written with its unit — `500ms`, `90s`, `15m`, `1.5h`, `2d` — in milliseconds, rounded
 * to the millisecond and positive; or what is wrong with the text: no unit, a negative number,
 * another unit.
 */
export function readDuration(text: string): { ok: true; value: number } | { ok: false; error: string } {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text);
  if (m === null) return { ok: false, error: `"${text}" is not a duration: a positive number with a unit, like 500ms, 90s, 15m, 1h or 2d` };
  if (m[2] === '') return { ok: false, error: `"${text}" has no unit: write ${m[1]}s, ${m[1]}m or ${m[1]}h (units: ms, s, m, h, d)` };
  const unit = DURATION_UNITS[m[2].toLowerCase()];
  if (unit === undefined) return { ok: false, error: `"${text}": "${m[2]}" is not a unit of time (ms, s, m, h, d)` };
  const ms = Math.round(Number(m[1]) * unit);
  if (ms <= 0) return { ok: false, error: `"${text}" is not a positive duration` };
  return { ok: true, value: ms };
}

/** `readDuration`, throwing a `ConfigError` naming `field` for a mistake. */
export function parseDuration(field: string, text: string): number {
  const r = readDuration(text);
  if (!r.ok) throw new ConfigError(field, r.error);
  return r.value;
}
