import { readFile } from 'node:fs/promises';
import { parquetReadObjects } from 'hyparquet';
import type { TrainingTable } from '../../application/ports/training-table.ts';
import { schemaPathOf } from './csv-sink.ts';

/** A training file that cannot be read as an export of `ladder features --labels`; names the file. */
export class TrainingDataError extends Error {
  constructor(
    readonly file: string,
    reason: string,
  ) {
    super(`${file}: ${reason}`);
    this.name = 'TrainingDataError';
  }
}

interface SchemaDocument {
  readonly schemaId: string;
  readonly features: readonly { readonly name: string; readonly version: number }[];
  readonly labels: { readonly horizons_ms: readonly number[] } | null;
  readonly source: string;
}

/** One file's warm rows, column by column. */
interface FileRows {
  readonly file: string;
  readonly schema: SchemaDocument;
  readonly ts: number[];
  readonly values: number[];
  readonly labels: number[][];
  readonly skipped: number;
}

/**
 * Reads exports of `ladder features --labels` (CSV, or Parquet when the name ends in `.parquet`), each
 * with its `.schema.json`, into one table: the warm rows, ordered by the files' first venue times.
 * Refuses, naming the file: a missing schema file or labels, files of different feature schemas or
 * label horizons, files whose time ranges overlap, a malformed row.
 */
export async function readTrainingTable(files: readonly string[]): Promise<TrainingTable> {
  if (files.length === 0) throw new TrainingDataError('--data', 'no file given');
  const parts: FileRows[] = [];
  for (const file of files) parts.push(await readFileRows(file));
  const [first] = parts as [FileRows, ...FileRows[]];
  for (const part of parts) {
    if (part.schema.schemaId !== first.schema.schemaId) {
      throw new TrainingDataError(part.file, `feature schema ${part.schema.schemaId} differs from ${first.schema.schemaId} of ${first.file}`);
    }
    if (part.schema.labels!.horizons_ms.join(',') !== first.schema.labels!.horizons_ms.join(',')) {
      throw new TrainingDataError(part.file, `label horizons ${part.schema.labels!.horizons_ms.join(', ')} ms differ from those of ${first.file}`);
    }
  }
  const nonEmpty = parts.filter((p) => p.ts.length > 0).sort((a, b) => a.ts[0] - b.ts[0]);
  for (let i = 1; i < nonEmpty.length; i++) {
    const before = nonEmpty[i - 1];
    if (nonEmpty[i].ts[0] < before.ts[before.ts.length - 1]) {
      throw new TrainingDataError(nonEmpty[i].file, `its rows overlap in time with those of ${before.file}`);
    }
  }
  const features = first.schema.features.length;
  const horizons = first.schema.labels!.horizons_ms.length;
  const rows = nonEmpty.reduce((n, p) => n + p.ts.length, 0);
  const ts = new Float64Array(rows);
  const values = new Float64Array(rows * features);
  const labels = Array.from({ length: horizons }, () => new Float64Array(rows));
  let at = 0;
  for (const part of nonEmpty) {
    ts.set(part.ts, at);
    values.set(part.values, at * features);
    for (let h = 0; h < horizons; h++) labels[h].set(part.labels[h], at);
    at += part.ts.length;
  }
  return {
    sources: parts.map((p) => ({ file: p.file, source: p.schema.source, rows: p.ts.length })),
    schemaId: first.schema.schemaId,
    featureNames: first.schema.features.map((f) => f.name),
    featureVersions: first.schema.features.map((f) => f.version),
    rows,
    ts,
    values,
    horizonsMicros: first.schema.labels!.horizons_ms.map((ms) => ms * 1000),
    labels,
    skippedRows: parts.reduce((n, p) => n + p.skipped, 0),
  };
}

async function readSchema(file: string): Promise<SchemaDocument> {
  const path = schemaPathOf(file);
  let doc: Partial<SchemaDocument>;
  try {
    doc = JSON.parse(await readFile(path, 'utf8')) as Partial<SchemaDocument>;
  } catch (e) {
    throw new TrainingDataError(file, `cannot read its schema file ${path}: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (typeof doc.schemaId !== 'string' || !Array.isArray(doc.features)) {
    throw new TrainingDataError(file, `${path} is not a schema file of ladder features (no schemaId or features)`);
  }
  if (doc.labels === null || doc.labels === undefined || !Array.isArray(doc.labels.horizons_ms) || doc.labels.horizons_ms.length === 0) {
    throw new TrainingDataError(file, 'has no labels: export it with ladder features --labels');
  }
  return { schemaId: doc.schemaId, features: doc.features, labels: doc.labels, source: typeof doc.source === 'string' ? doc.source : 'unknown' };
}

async function readFileRows(file: string): Promise<FileRows> {
  const schema = await readSchema(file);
  const columns = file.endsWith('.parquet') ? await parquetColumns(file) : await csvColumns(file);
  const column = (name: string): ArrayLike<number> => {
    const c = columns.get(name);
    if (c === undefined) throw new TrainingDataError(file, `has no column ${name}`);
    return c;
  };
  const horizons = schema.labels!.horizons_ms.map(horizonName);
  const ts = column('ts');
  const warm = column('warm');
  const featureColumns = schema.features.map((f) => column(f.name));
  const labelColumns = horizons.map((h) => column(`label_ret_${h}_bps`));
  const out: FileRows = { file, schema, ts: [], values: [], labels: horizons.map(() => []), skipped: 0 };
  let skipped = 0;
  let last = -Infinity;
  rows: for (let i = 0; i < ts.length; i++) {
    if (warm[i] !== 1) continue;
    for (const c of featureColumns) {
      if (!Number.isFinite(c[i])) {
        skipped++;
        continue rows;
      }
    }
    const t = ts[i] * 1000;
    if (!(t >= last)) throw new TrainingDataError(file, `row ${i + 1}: ts ${ts[i]} is before the row above it`);
    last = t;
    out.ts.push(t);
    for (const c of featureColumns) out.values.push(c[i]);
    for (let h = 0; h < horizons.length; h++) out.labels[h].push(labelColumns[h][i]);
  }
  return { ...out, skipped };
}

/** `1s`, `500ms`: the label column names of `ladder features` (see horizonLabel in feature-export.ts). */
function horizonName(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

/** The numeric columns of a CSV export; an empty cell is NaN, the schema_id column is left out. */
async function csvColumns(file: string): Promise<Map<string, Float64Array>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new TrainingDataError(file, `cannot read: ${e instanceof Error ? e.message : String(e)}`);
  }
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  const header = (lines[0] ?? '').split(',');
  const n = lines.length - 1;
  const columns = header.map(() => new Float64Array(n));
  const skip = header.indexOf('schema_id');
  for (let r = 0; r < n; r++) {
    const cells = lines[r + 1].split(',');
    if (cells.length !== header.length) throw new TrainingDataError(file, `line ${r + 2} has ${cells.length} cells, the header ${header.length}`);
    for (let c = 0; c < cells.length; c++) {
      if (c === skip) continue;
      const cell = cells[c];
      const v = cell === '' ? NaN : Number(cell);
      if (cell !== '' && Number.isNaN(v)) throw new TrainingDataError(file, `line ${r + 2}, column ${header[c]}: "${cell}" is not a number`);
      columns[c][r] = v;
    }
  }
  return new Map(header.map((name, c) => [name, columns[c]]));
}

async function parquetColumns(file: string): Promise<Map<string, Float64Array>> {
  let rows: Record<string, unknown>[];
  try {
    const bytes = await readFile(file);
    rows = (await parquetReadObjects({ file: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) })) as Record<string, unknown>[];
  } catch (e) {
    throw new TrainingDataError(file, `cannot read as Parquet: ${e instanceof Error ? e.message : String(e)}`);
  }
  const names = rows.length === 0 ? [] : Object.keys(rows[0]).filter((k) => k !== 'schema_id');
  const columns = new Map(names.map((name) => [name, new Float64Array(rows.length)]));
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r];
    for (const name of names) {
      const v = row[name];
      columns.get(name)![r] = v === null || v === undefined ? NaN : Number(v);
    }
  }
  return columns;
}
