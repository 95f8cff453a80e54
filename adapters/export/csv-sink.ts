import { once } from 'node:events';
import { createWriteStream, existsSync, type WriteStream } from 'node:fs';
import { rename, unlink, writeFile } from 'node:fs/promises';
import type { ExportCell, ExportMeta, ExportTotals, FeatureSink } from '../../application/ports/feature-sink.ts';

export interface CsvSinkOptions {
  /** Replace an existing file (and its schema file) at the path. */
  readonly force?: boolean;
  /** Text gathered before a write to the stream, in UTF-16 code units; default 64 Ki. */
  readonly chunkChars?: number;
}

/** The schema file written beside `<out>`: `<out>.schema.json`. */
export function schemaPathOf(out: string): string {
  return `${out}.schema.json`;
}

/** Where rows go until the export completes: `<out>.partial`. */
export function partialPathOf(out: string): string {
  return `${out}.partial`;
}

/** The existing file an export to `out` would replace, or null when there is none or `force` is set. */
export function outputConflict(out: string, force: boolean): string | null {
  if (force) return null;
  for (const path of [out, schemaPathOf(out)]) if (existsSync(path)) return path;
  return null;
}

/** Refusal to replace a finished export without `force`. */
export class OutputExistsError extends Error {
  constructor(readonly path: string) {
    super(`${path} already exists; pass --force to replace it`);
    this.name = 'OutputExistsError';
  }
}

/**
 * One CSV cell. Numbers read back as the same float64 bit for bit: the shortest round-tripping decimal
 * (`String(x)`), `-0` for negative zero (which `String` writes as `0`), `Infinity`/`-Infinity`, and an
 * empty cell for NaN (no value). Never `toFixed`. Texts are quoted per RFC 4180 when they hold a comma,
 * a quote or a line break.
 */
export function formatCell(cell: ExportCell): string {
  if (typeof cell === 'string') return /[",\r\n]/.test(cell) ? `"${cell.replace(/"/g, '""')}"` : cell;
  if (Number.isNaN(cell)) return '';
  if (cell === 0 && Object.is(cell, -0)) return '-0';
  return String(cell);
}

/** The schema file: what each column is, so a reader needs nothing else. */
export function schemaDocument(columns: readonly string[], meta: ExportMeta, totals: ExportTotals): unknown {
  return {
    schemaId: meta.schemaId,
    features: meta.definitions.map((d) => ({
      name: d.name,
      version: d.version,
      group: d.group,
      unit: d.unit,
      window_ms: d.windowMicros / 1000,
      warmup_ms: d.warmupMicros / 1000,
      definition: d.definition,
    })),
    columns,
    labels: meta.labels === null ? null : { horizons_ms: meta.labels.horizonsMicros.map((h) => h / 1000), dead_zone_bps: meta.labels.deadZoneBps },
    source: meta.source,
    rows: totals.rows,
    generatedBy: 'ladder features',
  };
}

/**
 * Feature rows as a CSV file (RFC 4180 with `\n` line ends, a header line of column names) plus
 * `<out>.schema.json`. Rows go to `<out>.partial` through a write stream whose back-pressure the
 * caller feels (see `FeatureSink.row`); `end` writes the schema file and only then renames the CSV to
 * `<out>`, so a file under the final name is always complete. `abort` removes the partial file.
 */
export class CsvFeatureSink implements FeatureSink {
  private stream: WriteStream | null = null;
  private buffer = '';
  private columns: readonly string[] = [];
  private meta: ExportMeta | null = null;
  private readonly chunkChars: number;
  /** The stream's first error, kept so that the next row or `end` rejects with it. */
  private failure: Error | null = null;

  constructor(
    readonly path: string,
    private readonly options: CsvSinkOptions = {},
  ) {
    this.chunkChars = options.chunkChars ?? 64 * 1024;
  }

  async begin(columns: readonly string[], meta: ExportMeta): Promise<void> {
    const conflict = outputConflict(this.path, this.options.force ?? false);
    if (conflict !== null) throw new OutputExistsError(conflict);
    this.columns = [...columns];
    this.meta = meta;
    const stream = createWriteStream(partialPathOf(this.path), { flags: 'w' });
    this.stream = stream;
    this.failure = null;
    stream.on('error', (error) => {
      this.failure ??= error;
    });
    try {
      await once(stream, 'open');
    } catch (error) {
      this.stream = null;
      throw new Error(`cannot write ${partialPathOf(this.path)}: ${(error as Error).message}`);
    }
    this.buffer = `${columns.map(formatCell).join(',')}\n`;
  }

  row(cells: readonly ExportCell[]): Promise<void> | null {
    let line = formatCell(cells[0]);
    for (let i = 1; i < cells.length; i++) line += `,${formatCell(cells[i])}`;
    this.buffer += `${line}\n`;
    return this.buffer.length >= this.chunkChars ? this.flush() : null;
  }

  async end(totals: ExportTotals): Promise<void> {
    const stream = this.open();
    const pending = this.flush();
    if (pending !== null) await pending;
    stream.end();
    await once(stream, 'finish').catch(() => Promise.reject(this.failed()));
    if (this.failure !== null) throw this.failed();
    this.stream = null;
    const schema = schemaPathOf(this.path);
    const meta = this.meta!;
    await writeFile(partialPathOf(schema), `${JSON.stringify(schemaDocument(this.columns, meta, totals), null, 2)}\n`);
    await rename(partialPathOf(schema), schema);
    await rename(partialPathOf(this.path), this.path);
  }

  async abort(): Promise<void> {
    const stream = this.stream;
    this.stream = null;
    this.buffer = '';
    if (stream !== null && !stream.destroyed) {
      stream.destroy();
      await once(stream, 'close').catch(() => undefined);
    }
    await unlink(partialPathOf(this.path)).catch(() => undefined);
  }

  /** Hands the buffer to the stream; a promise to await when the stream wants the writer to wait. */
  private flush(): Promise<void> | null {
    if (this.failure !== null) return Promise.reject(this.failed());
    if (this.buffer.length === 0) return null;
    const stream = this.open();
    const more = stream.write(this.buffer);
    this.buffer = '';
    // `once` rejects if the stream fails before it drains, so a full disk stops the export.
    return more ? null : once(stream, 'drain').then(() => undefined, () => Promise.reject(this.failed()));
  }

  private failed(): Error {
    return new Error(`cannot write ${partialPathOf(this.path)}: ${this.failure?.message ?? 'stream closed'}`);
  }

  private open(): WriteStream {
    if (this.stream === null) throw new Error(`${this.path}: the export is not open (begin not called, or already ended)`);
    return this.stream;
  }
}
