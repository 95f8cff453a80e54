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
  constructor(private readonly out: { write(text: string): unknown }) {}

  write(record: string): void {
    for (const line of record.split('\n')) if (line.trim() !== '') this.out.write(`${formatRecord(line)}\n`);
  }
}

export function formatRecord(json: string): string {
  let r: Record<string, unknown>;
  try {
    r = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return escape(json, 200);
  }
  const time = typeof r.time === 'number' ? new Date(r.time).toISOString().slice(11, 23) : '';
  const fields = Object.entries(r)
    .filter(([k]) => !QUIET_FIELDS.has(k))
    .map(([k, v]) => `${k}=${typeof v === 'string' ? JSON.stringify(escape(v, 120)) : escape(JSON.stringify(v) ?? 'undefined', 160)}`);
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
