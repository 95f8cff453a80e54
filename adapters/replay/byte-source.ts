import { createReadStream, readSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { open } from 'node:fs/promises';
import { createGunzip, createInflateRaw } from 'node:zlib';
import { errorCode } from './error-code.ts';
import { inflated } from './inflate-stream.ts';
import { ZIP_END, ZIP_LOCAL, zipEntry } from './zip-entry.ts';

/** Bytes a compressed file is read by, before it is inflated. */
const READ_CHUNK = 256 * 1024;

/**
 * The decompressed bytes of a file, read into buffers the reader brings. A reader that reads into
 * the same buffer again and again (frame-reader.ts) spares the process a fresh buffer a read: new
 * memory is page-faulted in and zeroed by the kernel, then collected, which cost a file replay more
 * CPU than the read itself (about 120 ms against 20 ms for the synthetic hour's 116 MB).
 */
export interface ByteSource {
  /**
   * Puts the next bytes into `into[at, into.length)` and resolves to how many; 0 at the end. Rejects
   * with a `TruncatedInput` after the last bytes of a compressed file cut short.
   */
  read(into: Buffer, at: number): Promise<number>;
  /** Lets the file go; a source is closed once, whether it was read to its end or not. */
  close(): Promise<void>;
}

/**
 * Opens the file and tells its container by its magic bytes: gzip `1f 8b`, zip `50 4b 03 04` (one
 * entry, stored or deflate), anything else plain. Rejects naming the file when it is missing,
 * unreadable or empty.
 */
export async function openByteSource(path: string): Promise<ByteSource> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    throw new Error(`cannot read ${path}: ${errorCode(error)}`);
  }
  let kept = false;
  try {
    let size: number;
    const head = Buffer.alloc(4);
    try {
      size = (await handle.stat()).size;
      await handle.read(head, 0, 4, 0);
    } catch (error) {
      throw new Error(`cannot read ${path}: ${errorCode(error)}`);
    }
    if (size === 0) throw new Error(`empty file: ${path}`);
    if (head[0] === 0x1f && head[1] === 0x8b) {
      return inflatedSource(inflated(createReadStream(path, { highWaterMark: READ_CHUNK }), createGunzip(), path));
    }
    const magic = head.readUInt32LE(0);
    if (size >= 4 && (magic === ZIP_LOCAL || magic === ZIP_END)) {
      const entry = await zipEntry(handle, size, path);
      const end = entry.dataOffset + entry.compressedSize;
      if (entry.method === 0) {
        kept = true;
        return fileSource(handle, entry.dataOffset, end, path);
      }
      const raw = createReadStream(path, { start: entry.dataOffset, end: end - 1, highWaterMark: READ_CHUNK });
      return inflatedSource(inflated(raw, createInflateRaw(), path));
    }
    // A plain file is read to its end, not to the size it had when opened: a recorder may still be writing it.
    kept = true;
    return fileSource(handle, 0, Infinity, path);
  } finally {
    if (!kept) await handle.close();
  }
}

/**
 * The bytes `[start, end)` of an open file, read straight into the reader's buffer, synchronously: a
 * replay waits for each read before it decodes anyway, and a read on the decoding thread leaves the
 * bytes in that core's cache, where a read on libuv's pool hands them over from another core (the
 * synthetic hour's backtest spent 2.5 to 3.7% of all its CPU in `read` through the pool, 0.7% this way).
 * The cost is the event loop held for one read (a quarter of a megabyte) at a time.
 */
function fileSource(handle: FileHandle, start: number, end: number, path: string): ByteSource {
  let position = start;
  return {
    read(into, at) {
      const length = Math.min(into.length - at, end - position);
      if (length <= 0) return Promise.resolve(0);
      try {
        const bytesRead = readSync(handle.fd, into, at, length, position);
        position += bytesRead;
        return Promise.resolve(bytesRead);
      } catch (error) {
        return Promise.reject(new Error(`cannot read ${path}: ${errorCode(error)}`));
      }
    },
    close: () => handle.close(),
  };
}

/** The output of a decompressor, copied into the reader's buffer as it asks (zlib makes a buffer a chunk anyway). */
function inflatedSource(chunks: AsyncGenerator<Buffer>): ByteSource {
  let pending: Buffer = Buffer.alloc(0);
  let taken = 0;
  return {
    async read(into, at) {
      while (taken === pending.length) {
        const next = await chunks.next();
        if (next.done === true) return 0;
        pending = next.value;
        taken = 0;
      }
      const n = pending.copy(into, at, taken);
      taken += n;
      return n;
    },
    close: async () => {
      await chunks.return(undefined);
    },
  };
}
