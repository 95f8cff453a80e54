import { closeSync, openSync, unlinkSync, writeSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import { ByteWriter, ParquetWriter, schemaFromColumnData, type ColumnSource } from 'hyparquet-writer';
import type { ExportCell, ExportMeta, ExportTotals, FeatureSink } from '../../application/ports/feature-sink.ts';
import { OutputExistsError, outputConflict, partialPathOf, schemaDocument, schemaPathOf } from './csv-sink.ts';

export interface ParquetSinkOptions {
  readonly force?: boolean;
  /** Rows a row group holds; default 65,536. */
  readonly rowGroupRows?: number;
}

type Kind = 'int64' | 'double' | 'string' | 'int' | 'nullableInt';

/** The Parquet type of each export column: times and flags as integers, features and returns as doubles. */
function kindOf(column: string): Kind {
  if (column === 'ts') return 'int64';
  if (column === 'schema_id') return 'string';
  if (column === 'warm' || column.startsWith('label_reached_')) return 'int';
  if (column.startsWith('label_class_')) return 'nullableInt';
  return 'double';
}

/** A `Writer` for hyparquet-writer that appends to a file descriptor, a megabyte at a time. */
function fileWriter(fd: number): ByteWriter {
  const writer: ByteWriter & { flush?: () => void } = new ByteWriter();
  const flush = (): void => {
    if (writer.index > 0) writeSync(fd, new Uint8Array(writer.buffer, 0, writer.index));
    writer.index = 0;
  };
  const ensure = writer.ensure.bind(writer);
  writer.ensure = (size: number): void => {
    if (writer.index > 1_000_000) flush();
    ensure(size);
  };
  writer.flush = flush;
  writer.finish = flush;
  return writer;
}

/**
 * Feature rows as an Apache Parquet file (hyparquet-writer, snappy-compressed row groups of 65,536 rows):
 * `ts` INT64 (venue ms), `recv_ts` DOUBLE, `schema_id` UTF-8 text, `warm` and `label_reached_*` INT32,
 * `label_class_*` INT32 left null where the horizon was not reached, every feature and
 * `label_ret_*_bps` DOUBLE (NaN where not reached), so the values read back bit for bit. The schema id
 * and the schema document are also kept in the file's key-value metadata, and `<out>.schema.json` is
 * written beside it as for CSV. Rows gather in column arrays until a row group is full; the file is
 * written as `<out>.partial` and renamed at the end.
 */
export class ParquetFeatureSink implements FeatureSink {
  private fd: number | null = null;
  private writer: ParquetWriter | null = null;
  private columns: readonly string[] = [];
  private kinds: Kind[] = [];
  private data: unknown[][] = [];
  private meta: ExportMeta | null = null;
  private readonly groupRows: number;

  constructor(
    readonly path: string,
    private readonly options: ParquetSinkOptions = {},
  ) {
    this.groupRows = options.rowGroupRows ?? 65_536;
  }

  begin(columns: readonly string[], meta: ExportMeta): Promise<void> {
    const conflict = outputConflict(this.path, this.options.force ?? false);
    if (conflict !== null) return Promise.reject(new OutputExistsError(conflict));
    this.columns = [...columns];
    this.kinds = columns.map(kindOf);
    this.meta = meta;
    this.resetBuffers();
    try {
      this.fd = openSync(partialPathOf(this.path), 'w');
    } catch (error) {
      return Promise.reject(new Error(`cannot write ${partialPathOf(this.path)}: ${(error as Error).message}`));
    }
    const schema = schemaFromColumnData({ columnData: this.columnSources() });
    this.writer = new ParquetWriter({
      writer: fileWriter(this.fd),
      schema,
      kvMetadata: [{ key: 'ladder.schema_id', value: meta.schemaId }],
      createdBy: 'ladder features',
    });
    return Promise.resolve();
  }

  row(cells: readonly ExportCell[]): Promise<void> | null {
    for (let j = 0; j < cells.length; j++) {
      const cell = cells[j];
      switch (this.kinds[j]) {
        case 'int64':
          this.data[j].push(BigInt(cell));
          break;
        case 'nullableInt':
          this.data[j].push(Number.isNaN(cell) ? null : cell);
          break;
        case 'int':
        case 'double':
        case 'string':
          this.data[j].push(cell);
          break;
      }
    }
    if (this.data[0].length >= this.groupRows) this.writeGroup();
    return null;
  }

  async end(totals: ExportTotals): Promise<void> {
    this.writeGroup();
    // Writes the footer through the file writer, which flushes synchronously.
    void this.writer!.finish();
    closeSync(this.fd!);
    this.fd = null;
    this.writer = null;
    const schema = schemaPathOf(this.path);
    await writeFile(partialPathOf(schema), `${JSON.stringify(schemaDocument(this.columns, this.meta!, totals), null, 2)}\n`);
    await rename(partialPathOf(schema), schema);
    await rename(partialPathOf(this.path), this.path);
  }

  abort(): Promise<void> {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
    this.writer = null;
    this.resetBuffers();
    try {
      unlinkSync(partialPathOf(this.path));
    } catch {
      // Nothing was written, or it is already gone.
    }
    return Promise.resolve();
  }

  private writeGroup(): void {
    if (this.data[0].length === 0) return;
    // The file writer flushes synchronously, so the write returns no promise to wait for.
    void this.writer!.write({ columnData: this.columnSources(), rowGroupSize: this.groupRows });
    this.resetBuffers();
  }

  private columnSources(): ColumnSource[] {
    return this.columns.map((name, j) => {
      const data = this.data[j] as ColumnSource['data'];
      switch (this.kinds[j]) {
        case 'int64':
          return { name, data, type: 'INT64', nullable: false };
        case 'string':
          return { name, data, type: 'STRING', nullable: false };
        case 'int':
          return { name, data, type: 'INT32', nullable: false };
        case 'nullableInt':
          return { name, data, type: 'INT32', nullable: true };
        case 'double':
          return { name, data, type: 'DOUBLE', nullable: false };
      }
    });
  }

  private resetBuffers(): void {
    this.data = this.columns.map(() => []);
  }
}
