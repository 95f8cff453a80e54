import type { Micros } from '../../domain/values/units.ts';

/** The first `<key><digits>` of a frame text (a venue's time in ms, e.g. `"ts":`, Binance's `"E":`) in µs, or null. */
export function millisFieldMicros(text: string, key: string): Micros | null {
  const at = text.indexOf(key);
  if (at < 0) return null;
  let ms = 0;
  let i = at + key.length;
  const start = i;
  for (; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) break;
    ms = ms * 10 + (c - 48);
  }
  return i === start || !Number.isSafeInteger(ms * 1000) ? null : ((ms * 1000) as Micros);
}
