import type { FileHandle } from 'node:fs/promises';
import { open } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';

/** One output file, written by the recorder's ordered disk steps only. */
export class OutputFile {
  private handle: FileHandle | null = null;

  constructor(readonly path: string) {}

  static async open(path: string): Promise<OutputFile> {
    const file = new OutputFile(path);
    await file.openForAppend();
    return file;
  }

  async openForAppend(): Promise<void> {
    try {
      this.handle = await open(this.path, 'a');
    } catch (error) {
      throw new Error(`cannot open recorder file ${this.path}: ${errorCode(error)}`);
    }
  }

  async append(data: Buffer): Promise<void> {
    const handle = this.opened();
    let done = 0;
    while (done < data.length) {
      const { bytesWritten } = await handle.write(data, done, data.length - done);
      done += bytesWritten;
    }
  }

  async sync(): Promise<void> {
    await this.opened().datasync();
  }

  async close(): Promise<void> {
    const handle = this.opened();
    await handle.datasync();
    await handle.close();
    this.handle = null;
  }

  private opened(): FileHandle {
    if (this.handle === null) throw new Error(`recorder file ${this.path} is not open`);
    return this.handle;
  }
}

/** `dir/stem.jsonl.gz` at 2025-01-01T13:00:00Z, n = 1 → `dir/stem-20250101-130000-0001.jsonl.gz`. */
export function rotatedName(path: string, nowMicros: number, n: number): string {
  const gz = path.endsWith('.gz') ? '.gz' : '';
  const plain = path.slice(0, path.length - gz.length);
  const ext = extname(plain);
  const stem = basename(plain, ext);
  const d = new Date(Math.floor(nowMicros / 1000));
  const two = (v: number): string => String(v).padStart(2, '0');
  const stamp = `${d.getUTCFullYear()}${two(d.getUTCMonth() + 1)}${two(d.getUTCDate())}-${two(d.getUTCHours())}${two(d.getUTCMinutes())}${two(d.getUTCSeconds())}`;
  return join(dirname(path), `${stem}-${stamp}-${String(n).padStart(4, '0')}${ext}${gz}`);
}

/** The errno code of a file-system error (`ENOENT`, `EACCES`...), or the error as text. */
export function errorCode(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? String(error);
}
