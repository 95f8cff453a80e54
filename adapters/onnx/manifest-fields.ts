import { err, ok, type Err, type Result } from '../../domain/result.ts';

export type ManifestError =
  | { readonly kind: 'ManifestNotJson'; readonly message: string }
  /** `field` is a path below the manifest ("featureNames[3]", "output.kind"; '' for the whole). */
  | { readonly kind: 'ManifestFieldInvalid'; readonly field: string; readonly problem: string }
  | { readonly kind: 'ManifestSchemaIdMismatch'; readonly declared: string; readonly computed: string };

export function describeManifestError(e: ManifestError): string {
  switch (e.kind) {
    case 'ManifestNotJson': return `manifest is not valid JSON: ${e.message}`;
    case 'ManifestFieldInvalid': return `${e.field === '' ? 'manifest' : `manifest.${e.field}`} ${e.problem}`;
    case 'ManifestSchemaIdMismatch':
      return `manifest.schemaId is ${e.declared} but its featureNames give ${e.computed}`;
  }
}

export type JsonRecord = Readonly<Record<string, unknown>>;

export const isRecord = (v: unknown): v is JsonRecord =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

export const bad = (field: string, problem: string): Err<ManifestError> =>
  err({ kind: 'ManifestFieldInvalid', field, problem });

export const path = (parent: string, key: string): string => (parent === '' ? key : `${parent}.${key}`);

export const missing = (parent: string, key: string): Err<ManifestError> => bad(path(parent, key), 'is missing');

/** A misspelt optional key ("treshold") would otherwise be ignored silently. */
export function rejectUnknownKeys(o: JsonRecord, known: readonly string[], parent: string): Result<void, ManifestError> {
  const unknown = Object.keys(o).find((k) => !known.includes(k));
  if (unknown === undefined) return ok(undefined);
  return bad(path(parent, unknown), `is not a known field (known: ${known.join(', ')})`);
}

export function readString(
  o: JsonRecord,
  key: string,
  parent: string,
  opts: { readonly nonEmpty?: boolean } = {},
): Result<string, ManifestError> {
  const v = o[key];
  if (v === undefined) return missing(parent, key);
  if (typeof v !== 'string' || (opts.nonEmpty === true && v === '')) {
    return bad(path(parent, key), opts.nonEmpty === true ? 'must be a non-empty string' : 'must be a string');
  }
  return ok(v);
}

export function readNumber(
  o: JsonRecord,
  key: string,
  parent: string,
  range: { readonly min?: number; readonly max?: number } = {},
): Result<number, ManifestError> {
  const v = o[key];
  if (v === undefined) return missing(parent, key);
  const min = range.min ?? -Infinity;
  const max = range.max ?? Infinity;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) {
    return bad(path(parent, key), `must be a finite number${rangeText(min, max)}`);
  }
  return ok(v);
}

export function readInteger(
  o: JsonRecord,
  key: string,
  parent: string,
  range: { readonly min?: number } = {},
): Result<number, ManifestError> {
  const v = o[key];
  if (v === undefined) return missing(parent, key);
  const min = range.min ?? -Infinity;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) {
    return bad(path(parent, key), `must be an integer${rangeText(min, Infinity)}`);
  }
  return ok(v);
}

/** An optional number that may also be `null` ("not measurable": JSON has no NaN); undefined when absent. */
export function readOptionalNullableNumber(
  o: JsonRecord,
  key: string,
  parent: string,
  range: { readonly min?: number; readonly max?: number } = {},
): Result<number | null | undefined, ManifestError> {
  const v = o[key];
  if (v === undefined || v === null) return ok(v);
  const n = readNumber(o, key, parent, range);
  if (n.ok || n.error.kind !== 'ManifestFieldInvalid') return n;
  return bad(n.error.field, `${n.error.problem}, or null`);
}

/** A non-empty array of finite numbers; an error names the element at fault (`x[3]`). */
export function readNumberArray(v: unknown, field: string): Result<number[], ManifestError> {
  if (v === undefined) return bad(field, 'is missing');
  if (!Array.isArray(v) || v.length === 0) return bad(field, 'must be a non-empty array of numbers');
  for (let i = 0; i < v.length; i++) {
    const x: unknown = v[i];
    if (typeof x !== 'number' || !Number.isFinite(x)) return bad(`${field}[${i}]`, 'must be a finite number');
  }
  return ok(v as number[]);
}

/**
 * Turns a domain check's message, which starts with the field it is about ("y[3] must not be less than
 * y[2]"), into an error on that field below `parent`.
 */
export function domainProblem(parent: string, message: string): Err<ManifestError> {
  const space = message.indexOf(' ');
  return space < 0 ? bad(parent, message) : bad(path(parent, message.slice(0, space)), message.slice(space + 1));
}

export function readEnum<const T extends string>(
  o: JsonRecord,
  key: string,
  parent: string,
  values: readonly T[],
): Result<T, ManifestError> {
  const v = o[key];
  if (v === undefined) return missing(parent, key);
  const found = values.find((x) => x === v);
  if (found === undefined) return bad(path(parent, key), `must be one of ${values.map((x) => `'${x}'`).join(', ')}`);
  return ok(found);
}

function rangeText(min: number, max: number): string {
  if (min === Number.MIN_VALUE) return ' above 0';
  if (min > -Infinity && max < Infinity) return ` in [${min}, ${max}]`;
  if (min > -Infinity) return ` >= ${min}`;
  if (max < Infinity) return ` <= ${max}`;
  return '';
}
