import type { QueuedRow } from '../../application/ports/spill-log.ts';

/**
 * One spilled row as one line of JSON, `{"k":kind,"r":record}`, that reads back bit for bit.
 * JSON numbers already round-trip every finite double (`JSON.stringify` writes the shortest
 * decimal that reads back to the same double, 5e-324 included) except -0, which it writes as 0;
 * -0, NaN and the infinities are written as `{"$num":"-0"}` and so on. A `Float64Array` (a feature
 * vector's values) is written as `{"$f64":base64}` of its bytes, little-endian as on every
 * platform Node runs on here: exact, and shorter than decimals. Records must not hold an object
 * whose only key is `$num` or `$f64`.
 */
export function encodeRow(row: QueuedRow): string {
  return JSON.stringify({ k: row.kind, r: row.record }, replacer);
}

/** The row a line holds, or null for a line that is not one (cut short or damaged). */
export function decodeRow(line: string): QueuedRow | null {
  let value: unknown;
  try {
    value = JSON.parse(line, reviver);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const { k, r } = value as { k?: unknown; r?: unknown };
  if (typeof k !== 'string' || typeof r !== 'object' || r === null) return null;
  return { kind: k, record: r } as QueuedRow;
}

function replacer(_key: string, value: unknown): unknown {
  if (typeof value === 'number') {
    if (Object.is(value, -0) || !Number.isFinite(value)) return { $num: Object.is(value, -0) ? '-0' : String(value) };
    return value;
  }
  if (value instanceof Float64Array) {
    return { $f64: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64') };
  }
  return value;
}

function reviver(_key: string, value: unknown): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  const fields = value as Record<string, unknown>;
  const keys = Object.keys(fields);
  if (keys.length !== 1) return value;
  if (keys[0] === '$num' && typeof fields.$num === 'string') return Number(fields.$num);
  if (keys[0] === '$f64' && typeof fields.$f64 === 'string') {
    const bytes = Buffer.from(fields.$f64, 'base64');
    if (bytes.length % 8 !== 0) throw new RangeError('$f64 is not a whole number of doubles');
    // A copy into a fresh buffer: Buffer's pool may hand out an offset not aligned to 8 bytes.
    const values = new Float64Array(bytes.length / 8);
    new Uint8Array(values.buffer).set(bytes);
    return values;
  }
  return value;
}
