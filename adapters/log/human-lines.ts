import { convertedKey, grouped, UNIT_FIELDS, type LogUnits } from './units.ts';

/** pino's numeric levels, as a person reads them. */
const LEVELS: Readonly<Record<number, string>> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO ', 40: 'WARN ', 50: 'ERROR', 60: 'FATAL' };

/** Fields every line carries that a person at a terminal does not need on each line. */
const QUIET_FIELDS = new Set(['level', 'time', 'msg', 'app', 'pid', 'hostname', 'runId', 'trace_id', 'span_id']);

/**
 * A pino destination for a terminal: each JSON record becomes one readable line,
 * `12:00:01.234 WARN  malformed frame skipped  reason="not JSON" frame="…"`, with text escaped and cut so
 * that no raw byte of an input reaches the screen.
 */
export class HumanLines {
  constructor(
    private readonly out: { write(text: string): unknown },
    private readonly units: LogUnits | null = null,
  ) {}

  write(record: string): void {
    for (const line of record.split('\n')) if (line.trim() !== '') this.out.write(`${formatRecord(line, this.units)}\n`);
  }
}

/**
 * One record as a line. With `units`, a price in ticks or a size in lots that the record also carries
 * in currency (pino-logger adds it, see units.ts) reads as `limit 89,997.4 USDT`, `qty 0.002 BTC`.
 */
export function formatRecord(json: string, units: LogUnits | null = null): string {
  let r: Record<string, unknown>;
  try {
    r = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return escape(json, 200);
  }
  const time = typeof r.time === 'number' ? new Date(r.time).toISOString().slice(11, 23) : '';
  const converted = new Set(units === null ? [] : Object.keys(UNIT_FIELDS).filter((k) => k in r).map((k) => convertedKey(k, units)));
  const fields = Object.entries(r)
    // A null says nothing to a person reading the line (a market order's limitPrice); JSON keeps it.
    .filter(([k, v]) => !QUIET_FIELDS.has(k) && !converted.has(k) && v !== null)
    .map(([k, v]) => {
      const unit = UNIT_FIELDS[k];
      const inCurrency = units === null || unit === undefined ? undefined : r[convertedKey(k, units)];
      if (unit !== undefined && units !== null && typeof inCurrency === 'string') {
        return `${unit.label} ${grouped(escape(inCurrency, 40))} ${unit.kind === 'price' ? units.quote : units.base}`;
      }
      return `${k}=${typeof v === 'string' ? JSON.stringify(escape(v, 120)) : escape(JSON.stringify(v) ?? 'undefined', 160)}`;
    });
  return `${time} ${LEVELS[r.level as number] ?? String(r.level)} ${escape(typeof r.msg === 'string' ? r.msg : '', 200)}${fields.length === 0 ? '' : `  ${fields.join(' ')}`}`;
}

/** Control characters and undecodable bytes escaped, cut to `max` characters. */
function escape(text: string, max: number): string {
  let out = '';
  for (const ch of text) {
    if (out.length >= max) return `${out}…`;
    const c = ch.codePointAt(0)!;
    out += c < 0x20 || c === 0x7f || (c >= 0x80 && c < 0xa0) || c === 0xfffd ? `\\u${c.toString(16).padStart(4, '0')}` : ch;
  }
  return out;
}
