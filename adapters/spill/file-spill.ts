import { closeSync, fdatasyncSync, fstatSync, ftruncateSync, mkdirSync, openSync, readSync, writeSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { QueuedRow, SpillLog, SpillRead } from '../../application/ports/spill-log.ts';
import { decodeRow, encodeRow } from './row-codec.ts';

const NEWLINE = 0x0a;

/**
 * The spill log as a local file of JSON lines, one row a line (see row-codec.ts). `append` writes
 * and then flushes to the disk with fdatasync before it returns: one sync per append, whatever its
 * number of rows (about 4.5 ms on the development machine's virtual disk). It is synchronous on
 * purpose: a row the writer hands over during a database outage is on the disk before the trading
 * loop moves on, so a kill -9 right after cannot lose it, and no append can overtake another.
 * A crash during an append can leave its last line cut short; `readAll` skips and counts such a
 * line, and the next append starts on a fresh line so the damage stays one line. The file is
 * opened for appending (O_APPEND), so a `readAll` running meanwhile sees a prefix of it.
 * One process at a time may use a file.
 */
export class FileSpillLog implements SpillLog {
  readonly description: string;
  #fd: number | null = null;
  /** The file ends inside a line (a cut-short append): the next append starts with a newline. */
  #midLine = false;

  constructor(readonly path: string) {
    this.description = `file:${path}`;
  }

  append(rows: readonly QueuedRow[]): void {
    if (rows.length === 0) return;
    const fd = this.#file();
    const lines = new Array<string>(rows.length);
    for (let i = 0; i < rows.length; i++) lines[i] = encodeRow(rows[i]);
    const data = Buffer.from(`${this.#midLine ? '\n' : ''}${lines.join('\n')}\n`, 'utf8');
    try {
      for (let done = 0; done < data.length; ) done += writeSync(fd, data, done, data.length - done);
      fdatasyncSync(fd);
      this.#midLine = false;
    } catch (error) {
      // Part of the text may have reached the file: whatever comes next starts a new line.
      this.#midLine = true;
      throw error;
    }
  }

  async readAll(): Promise<SpillRead> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { rows: [], skippedLines: 0 };
      throw error;
    }
    const lines = text.split('\n');
    // A file that ends with a newline splits into a last empty string; anything else there is a
    // line cut short (by a crash, or an append still under way while the file was read).
    const last = lines.pop();
    let skippedLines = last === undefined || last === '' ? 0 : 1;
    const rows: QueuedRow[] = [];
    for (const line of lines) {
      const row = decodeRow(line);
      if (row === null) skippedLines++;
      else rows.push(row);
    }
    return { rows, skippedLines };
  }

  clear(): void {
    const fd = this.#file();
    ftruncateSync(fd, 0);
    fdatasyncSync(fd);
    this.#midLine = false;
  }

  close(): Promise<void> {
    const fd = this.#fd;
    this.#fd = null;
    if (fd !== null) closeSync(fd);
    return Promise.resolve();
  }

  /** Opens the file for appending (creating it and its folder), noting whether it ends mid-line. */
  #file(): number {
    if (this.#fd !== null) return this.#fd;
    mkdirSync(dirname(this.path), { recursive: true });
    const fd = openSync(this.path, 'a+');
    const { size } = fstatSync(fd);
    if (size > 0) {
      const last = Buffer.alloc(1);
      readSync(fd, last, 0, 1, size - 1);
      this.#midLine = last[0] !== NEWLINE;
    }
    this.#fd = fd;
    return fd;
  }
}
