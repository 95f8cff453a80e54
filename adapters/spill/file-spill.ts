import { mkdir, open, readFile, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { QueuedRow, SpillLog, SpillRead } from '../../application/ports/spill-log.ts';
import { decodeRow, encodeRow } from './row-codec.ts';

const NEWLINE = 0x0a;

/**
 * The spill log as a local file of JSON lines, one row a line (see row-codec.ts), appended and
 * then flushed to the disk with fdatasync before `append` resolves: one sync per append, whatever
 * its number of rows. A crash during an append can leave its last line cut short; `readAll` skips
 * and counts such a line, and the next append starts on a fresh line so the damage stays one line.
 * Operations run one after another in call order. One process at a time may use a file.
 */
export class FileSpillLog implements SpillLog {
  readonly description: string;
  #handle: FileHandle | null = null;
  #tail: Promise<unknown> = Promise.resolve();
  /** The file ends inside a line (a cut-short append): the next append starts with a newline. */
  #midLine = false;

  constructor(readonly path: string) {
    this.description = `file:${path}`;
  }

  append(rows: readonly QueuedRow[]): Promise<void> {
    return this.#serial(async () => {
      if (rows.length === 0) return;
      const handle = await this.#file();
      const lines = new Array<string>(rows.length);
      for (let i = 0; i < rows.length; i++) lines[i] = encodeRow(rows[i]);
      const data = Buffer.from(`${this.#midLine ? '\n' : ''}${lines.join('\n')}\n`, 'utf8');
      try {
        for (let done = 0; done < data.length; ) {
          const { bytesWritten } = await handle.write(data, done, data.length - done);
          done += bytesWritten;
        }
        await handle.datasync();
        this.#midLine = false;
      } catch (error) {
        // Part of the text may have reached the file: whatever comes next starts a new line.
        this.#midLine = true;
        throw error;
      }
    });
  }

  readAll(): Promise<SpillRead> {
    return this.#serial(async () => {
      let text: string;
      try {
        text = await readFile(this.path, 'utf8');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { rows: [], skippedLines: 0 };
        throw error;
      }
      const lines = text.split('\n');
      // A file that ends with a newline splits into a last empty string; anything else there is a
      // line cut short.
      const last = lines.pop();
      let skippedLines = last === undefined || last === '' ? 0 : 1;
      const rows: QueuedRow[] = [];
      for (const line of lines) {
        const row = decodeRow(line);
        if (row === null) skippedLines++;
        else rows.push(row);
      }
      return { rows, skippedLines };
    });
  }

  clear(): Promise<void> {
    return this.#serial(async () => {
      const handle = await this.#file();
      await handle.truncate(0);
      await handle.datasync();
      this.#midLine = false;
    });
  }

  close(): Promise<void> {
    return this.#serial(async () => {
      const handle = this.#handle;
      this.#handle = null;
      await handle?.close();
    });
  }

  /** Runs `op` after every operation called before it, whether those succeeded or not. */
  #serial<T>(op: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(op);
    this.#tail = result.catch(() => undefined);
    return result;
  }

  /** Opens the file for appending (creating it and its folder), noting whether it ends mid-line. */
  async #file(): Promise<FileHandle> {
    if (this.#handle !== null) return this.#handle;
    await mkdir(dirname(this.path), { recursive: true });
    const handle = await open(this.path, 'a+');
    const { size } = await handle.stat();
    if (size > 0) {
      const last = Buffer.alloc(1);
      await handle.read(last, 0, 1, size - 1);
      this.#midLine = last[0] !== NEWLINE;
    }
    this.#handle = handle;
    return handle;
  }
}
