import { createReadStream } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { open } from 'node:fs/promises';
import { createGunzip, createInflateRaw } from 'node:zlib';
import type { Micros } from '../../domain/values/units.ts';
import { errorCode } from './error-code.ts';
import { inflated, TruncatedInput } from './inflate-stream.ts';
import { ZIP_END, ZIP_LOCAL, zipEntry } from './zip-entry.ts';

/** A compressed file ends before its end marker; every line before the cut was yielded. */
export class InputCutShort extends Error {}

/** One line of a recorded file. */
export interface FrameLine {
  /** The frame text exactly as recorded: no line ending, no receive-time prefix. */
  readonly text: string;
  /** The local receive time the recorder wrote before the frame, µs; null for a bare frame line. */
  readonly recvTime: Micros | null;
  /** 1-based line number in the file (after decompression); empty lines are counted, not yielded. */
  readonly lineNo: number;
}

export interface ReadFrameOptions {
  /**
   * What happens after the last line of a compressed file that was cut short (a crashed recorder's
   * last file): `throw` (the default) rejects with a message naming the file, `end` just ends.
   */
  readonly truncated?: 'throw' | 'end';
}

const LINE_FEED = 10;
const CARRIAGE_RETURN = 13;
const SPACE = 32;
const ZERO = 48;
const NINE = 57;
/** A receive time of up to 16 digits is µs; of 17 to 19 digits, ns (µs since the epoch reach 17 digits in the year 5138). */
const MAX_DIGITS = 16;
const MAX_NANO_DIGITS = 19;
const READ_CHUNK = 256 * 1024;

/**
 * Reads a file of frames, one a line, as any of:
 * - the recorder's lines, `<local receive time, µs> <frame text>`, and captures that stamp their lines
 *   in ns (`1721347020984480942 {...}`, Binance captures): 17 to 19 digits are ns, cut to whole µs;
 * - bare frame lines (captures without receive times), recvTime null;
 * - Bybit's historical dumps (`*.data`: bare JSON lines with `\r\n` endings), plain, gzip or zip.
 * The container is told by its magic bytes, not its name: gzip `1f 8b` (one or more members),
 * zip `50 4b 03 04` (exactly one entry, stored or deflate), anything else plain text. A line that
 * starts with up to 19 digits and one space is a recorder line; the text is everything after that one
 * space. So a bare frame that itself starts with digits and a space is misread; frames are JSON, which
 * never does. A `\r` before the `\n` is dropped; any other bytes, garbage and a last line without
 * its `\n` included, pass through as text for the parser to count.
 * A missing or unreadable file rejects with `cannot read <path>: <code>`, an empty one with
 * `empty file: <path>`.
 */
export async function* readFrameLines(path: string, options: ReadFrameOptions = {}): AsyncGenerator<FrameLine> {
  for await (const batch of readFrameLineBatches(path, options)) yield* batch;
}

/**
 * `readFrameLines`' lines, handed over a read chunk's worth at a time (a few hundred lines of 256 kB),
 * for readers that go through them synchronously: one turn of the event loop a chunk rather than a
 * line. The lines, their order and the errors are those of `readFrameLines`.
 */
export async function* readFrameLineBatches(path: string, options: ReadFrameOptions = {}): AsyncGenerator<FrameLine[]> {
  const chunks = await openChunks(path);
  let carry: Buffer[] = [];
  let lineNo = 0;
  let cut: Error | null = null;
  try {
    for await (const chunk of chunks) {
      const batch: FrameLine[] = [];
      let pos = 0;
      for (let nl = chunk.indexOf(LINE_FEED); nl !== -1; nl = chunk.indexOf(LINE_FEED, pos)) {
        lineNo++;
        let line: FrameLine | null;
        if (carry.length === 0) {
          line = frameLine(chunk, pos, nl, lineNo);
        } else {
          carry.push(chunk.subarray(pos, nl));
          const joined = Buffer.concat(carry);
          carry = [];
          line = frameLine(joined, 0, joined.length, lineNo);
        }
        pos = nl + 1;
        if (line !== null) batch.push(line);
      }
      if (pos < chunk.length) carry.push(pos === 0 ? chunk : chunk.subarray(pos));
      if (batch.length > 0) yield batch;
    }
  } catch (error) {
    if (!(error instanceof TruncatedInput)) throw error;
    cut = error;
  }
  if (carry.length > 0) {
    const joined = Buffer.concat(carry);
    const line = frameLine(joined, 0, joined.length, lineNo + 1);
    if (line !== null) yield [line];
  }
  if (cut !== null && options.truncated !== 'end') throw new InputCutShort(`compressed data cut short (the writer stopped mid-file?): ${path}`);
}

/**
 * A read chunk's lines as byte ranges of one buffer, for a reader that scans bytes rather than text:
 * line k's frame is `bytes[starts[k], ends[k])` (no line ending, no receive-time prefix, possibly
 * empty), its receive time `recvTimes[k]`, or -1 for a bare frame line. The lines, their order, their
 * receive times and the errors are those of `readFrameLineBatches`; no line is made a string.
 */
export interface FrameChunk {
  readonly bytes: Buffer;
  readonly count: number;
  readonly starts: Int32Array;
  readonly ends: Int32Array;
  readonly recvTimes: Float64Array;
}

/** `readFrameLineBatches`' lines as `FrameChunk`s: a line cut by a chunk boundary is joined to the next chunk. */
export async function* readFrameChunks(path: string, options: ReadFrameOptions = {}): AsyncGenerator<FrameChunk> {
  const chunks = await openChunks(path);
  let carry: Buffer | null = null;
  let cut: Error | null = null;
  try {
    for await (const read of chunks) {
      let chunk = read;
      if (carry !== null) {
        // The line cut by the chunk boundary is joined alone, as a chunk of its own: the rest is not copied.
        const nl = read.indexOf(LINE_FEED);
        if (nl === -1) {
          carry = Buffer.concat([carry, read]);
          continue;
        }
        const joined = linesOf(Buffer.concat([carry, read.subarray(0, nl + 1)]));
        carry = null;
        if (joined.chunk.count > 0) yield joined.chunk;
        chunk = read.subarray(nl + 1);
      }
      const lines = linesOf(chunk);
      if (lines.end < chunk.length) carry = chunk.subarray(lines.end);
      if (lines.chunk.count > 0) yield lines.chunk;
    }
  } catch (error) {
    if (!(error instanceof TruncatedInput)) throw error;
    cut = error;
  }
  if (carry !== null && carry.length > 0) {
    // The last line, without its line feed.
    const last = Buffer.concat([carry, Buffer.of(LINE_FEED)]);
    const lines = linesOf(last);
    if (lines.chunk.count > 0) yield lines.chunk;
  }
  if (cut !== null && options.truncated !== 'end') throw new InputCutShort(`compressed data cut short (the writer stopped mid-file?): ${path}`);
}

/** The whole lines of `buf` (each ended by a line feed) as a chunk, and where the unfinished rest starts. */
function linesOf(buf: Buffer): { chunk: FrameChunk; end: number } {
  let lines = 0;
  for (let nl = buf.indexOf(LINE_FEED); nl !== -1; nl = buf.indexOf(LINE_FEED, nl + 1)) lines++;
  const starts = new Int32Array(lines);
  const ends = new Int32Array(lines);
  const recvTimes = new Float64Array(lines);
  let count = 0;
  let pos = 0;
  for (let nl = buf.indexOf(LINE_FEED); nl !== -1; nl = buf.indexOf(LINE_FEED, pos)) {
    let end = nl;
    if (end > pos && buf[end - 1] === CARRIAGE_RETURN) end--;
    if (end > pos) {
      const at = frameStart(buf, pos, end);
      starts[count] = at;
      ends[count] = end;
      recvTimes[count] = at === pos ? -1 : stampOf(buf, pos, at - 1);
      count++;
    }
    pos = nl + 1;
  }
  return { chunk: { bytes: buf, count, starts, ends, recvTimes }, end: pos };
}

/** Where the frame of the non-empty line `buf[start, end)` starts: after a receive-time stamp and its space, if any. */
function frameStart(buf: Buffer, start: number, end: number): number {
  let i = start;
  while (i < end && i - start <= MAX_NANO_DIGITS) {
    const c = buf[i];
    if (c < ZERO || c > NINE) break;
    i++;
  }
  const digits = i - start;
  if (digits > 0 && digits <= MAX_NANO_DIGITS && i < end && buf[i] === SPACE && Number.isSafeInteger(stampOf(buf, start, i))) return i + 1;
  return start;
}

/** The stamp of digits `buf[start, end)`: µs, or ns cut to the µs they fall in (see `frameLine`). */
function stampOf(buf: Buffer, start: number, end: number): number {
  const last = end - start > MAX_DIGITS ? end - 3 : end;
  let value = 0;
  for (let k = start; k < last; k++) value = value * 10 + (buf[k] - ZERO);
  return value;
}

/** The line `buf[start, end)` without its `\r`, split into receive time and text; null when empty. */
function frameLine(buf: Buffer, start: number, end: number, lineNo: number): FrameLine | null {
  if (end > start && buf[end - 1] === CARRIAGE_RETURN) end--;
  if (end === start) return null;
  let i = start;
  while (i < end && i - start <= MAX_NANO_DIGITS) {
    const c = buf[i];
    if (c < ZERO || c > NINE) break;
    i++;
  }
  const digits = i - start;
  if (digits > 0 && digits <= MAX_NANO_DIGITS && i < end && buf[i] === SPACE) {
    // ns stamps lose their last three digits (truncated to the µs they fall in), so every stamp is exact.
    const last = digits > MAX_DIGITS ? i - 3 : i;
    let value = 0;
    for (let k = start; k < last; k++) value = value * 10 + (buf[k] - ZERO);
    if (Number.isSafeInteger(value)) return { text: buf.toString('utf8', i + 1, end), recvTime: value as Micros, lineNo };
  }
  return { text: buf.toString('utf8', start, end), recvTime: null, lineNo };
}

/** Opens the file and returns its decompressed bytes as chunks; rejects naming the file. */
async function openChunks(path: string): Promise<AsyncIterable<Buffer>> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    throw new Error(`cannot read ${path}: ${errorCode(error)}`);
  }
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
      return inflated(createReadStream(path, { highWaterMark: READ_CHUNK }), createGunzip(), path);
    }
    const magic = head.readUInt32LE(0);
    if (size >= 4 && (magic === ZIP_LOCAL || magic === ZIP_END)) {
      const entry = await zipEntry(handle, size, path);
      const raw = createReadStream(path, { start: entry.dataOffset, end: entry.dataOffset + entry.compressedSize - 1, highWaterMark: READ_CHUNK });
      return entry.method === 0 ? raw : inflated(raw, createInflateRaw(), path);
    }
    return createReadStream(path, { highWaterMark: READ_CHUNK });
  } finally {
    await handle.close();
  }
}
