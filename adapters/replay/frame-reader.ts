import type { Micros } from '../../domain/values/units.ts';
import { openByteSource } from './byte-source.ts';
import { TruncatedInput } from './inflate-stream.ts';

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
  const chunks = fileChunks(path);
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
 * receive times and the errors are those of `readFrameLineBatches`; no line is made a string. The
 * buffer and the arrays are the reader's own, reused: valid until the next chunk is asked for.
 */
export interface FrameChunk {
  readonly bytes: Buffer;
  readonly count: number;
  readonly starts: Int32Array;
  readonly ends: Int32Array;
  readonly recvTimes: Float64Array;
}

/**
 * `readFrameLineBatches`' lines as `FrameChunk`s. The file is read into one buffer, grown only for a
 * line longer than it, and the chunks are views of it: a chunk's bytes and arrays are valid until the
 * next chunk is asked for (a consumer keeps what it needs as strings or copies, as the decoders do).
 * A line cut by the end of a read is moved to the front of the buffer and finished by the next read.
 */
export async function* readFrameChunks(path: string, options: ReadFrameOptions = {}): AsyncGenerator<FrameChunk> {
  const source = await openByteSource(path);
  const lines = new ChunkLines();
  let buf = Buffer.allocUnsafe(READ_CHUNK);
  // Bytes at the front of `buf`: a line whose line feed has not been read yet.
  let held = 0;
  let cut: Error | null = null;
  try {
    for (;;) {
      if (held === buf.length) {
        const bigger = Buffer.allocUnsafe(buf.length * 2);
        buf.copy(bigger, 0, 0, held);
        buf = bigger;
      }
      let read: number;
      try {
        read = await source.read(buf, held);
      } catch (error) {
        if (!(error instanceof TruncatedInput)) throw error;
        cut = error;
        break;
      }
      if (read === 0) break;
      const filled = held + read;
      const end = lines.split(buf, filled);
      if (lines.count > 0) yield lines.chunk(buf);
      // Only now, the consumer done with the chunk: the unfinished line moves to the front.
      held = filled - end;
      buf.copyWithin(0, end, filled);
    }
    if (held > 0) {
      // The last line, without its line feed.
      const last = Buffer.allocUnsafe(held + 1);
      buf.copy(last, 0, 0, held);
      last[held] = LINE_FEED;
      lines.split(last, last.length);
      if (lines.count > 0) yield lines.chunk(last);
    }
  } finally {
    await source.close();
  }
  if (cut !== null && options.truncated !== 'end') throw new InputCutShort(`compressed data cut short (the writer stopped mid-file?): ${path}`);
}

/** The line arrays of `FrameChunk`s, reused from chunk to chunk and grown to the most lines a chunk had. */
class ChunkLines {
  starts = new Int32Array(1024);
  ends = new Int32Array(1024);
  recvTimes = new Float64Array(1024);
  count = 0;

  /** Reads the whole lines of `buf[0, filled)` (each ended by a line feed); returns where the unfinished rest starts. */
  split(buf: Buffer, filled: number): number {
    let count = 0;
    let pos = 0;
    for (let nl = buf.indexOf(LINE_FEED); nl !== -1 && nl < filled; nl = buf.indexOf(LINE_FEED, pos)) {
      let end = nl;
      if (end > pos && buf[end - 1] === CARRIAGE_RETURN) end--;
      if (end > pos) {
        if (count === this.starts.length) this.grow();
        const space = readStamp(buf, pos, end);
        if (space >= 0 && Number.isSafeInteger(stamp)) {
          this.starts[count] = space + 1;
          this.recvTimes[count] = stamp;
        } else {
          this.starts[count] = pos;
          this.recvTimes[count] = -1;
        }
        this.ends[count] = end;
        count++;
      }
      pos = nl + 1;
    }
    this.count = count;
    return pos;
  }

  chunk(bytes: Buffer): FrameChunk {
    return { bytes, count: this.count, starts: this.starts, ends: this.ends, recvTimes: this.recvTimes };
  }

  private grow(): void {
    const n = this.starts.length * 2;
    const starts = new Int32Array(n);
    const ends = new Int32Array(n);
    const recvTimes = new Float64Array(n);
    starts.set(this.starts);
    ends.set(this.ends);
    recvTimes.set(this.recvTimes);
    this.starts = starts;
    this.ends = ends;
    this.recvTimes = recvTimes;
  }
}

/** The value of the stamp `readStamp` last found: µs, or ns cut to the µs they fall in (not always safe: see the callers). */
let stamp = 0;

/**
 * Where the receive-time stamp of the non-empty line `buf[start, end)` ends: the index of the one
 * space after its 1 to 19 digits, or -1 for a line that does not start with such a stamp; its value
 * goes to `stamp`. The digits are read once for a µs stamp, the recorder's, four at a time where four
 * follow (`fourDigitsAt`: a stamp costs four word reads rather than sixteen byte reads); a ns stamp
 * (17 to 19 digits) is read again without its last three, so that its µs are exact however large the ns.
 * The value is `value * 10000 + four digits` where a byte at a time would be `value * 10 + digit`
 * four times: the same while the value is exact (below 2^53), and never a safe integer above it.
 */
function readStamp(buf: Buffer, start: number, end: number): number {
  const words = wordsOf(buf);
  let i = start;
  let value = 0;
  // A word is read only where the loop below would have read each of its digits.
  while (i + 4 <= end && i - start + 3 <= MAX_NANO_DIGITS) {
    const four = fourDigitsAt(words, i);
    if (four < 0) break;
    value = value * 10000 + four;
    i += 4;
  }
  while (i < end && i - start <= MAX_NANO_DIGITS) {
    const c = buf[i];
    if (c < ZERO || c > NINE) break;
    value = value * 10 + (c - ZERO);
    i++;
  }
  const digits = i - start;
  if (digits === 0 || digits > MAX_NANO_DIGITS || i >= end || buf[i] !== SPACE) return -1;
  if (digits > MAX_DIGITS) {
    value = 0;
    for (let k = start; k < i - 3; k++) value = value * 10 + (buf[k] - ZERO);
  }
  stamp = value;
  return i;
}

/**
 * The four digits at `i` as a number ("0123" is 123), or -1 where the four bytes are not all digits.
 * The four are read as one word, the first the lowest byte: a byte is a digit when its high half is
 * 3 and adding 6 to it leaves that half 3 (no byte of a word of digits carries into the next); the
 * digits are then paired (ten times the first of a pair plus the second) and the pairs joined.
 */
function fourDigitsAt(words: DataView<ArrayBufferLike>, i: number): number {
  const w = words.getInt32(i, true);
  if ((w & 0xf0f0f0f0) !== 0x30303030 || ((w + 0x06060606) & 0xf0f0f0f0) !== 0x30303030) return -1;
  const x = w - 0x30303030;
  const pairs = (x * 10 + (x >>> 8)) & 0x00ff00ff;
  return (pairs & 0xffff) * 100 + (pairs >>> 16);
}

/** The buffer `words` was last made for, and a DataView over it: made once per read buffer. */
let wordsFor: Buffer | null = null;
let words: DataView<ArrayBufferLike> = new DataView(new ArrayBuffer(0));

function wordsOf(buf: Buffer): DataView<ArrayBufferLike> {
  if (buf !== wordsFor) {
    wordsFor = buf;
    words = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }
  return words;
}

/** The line `buf[start, end)` without its `\r`, split into receive time and text; null when empty. */
function frameLine(buf: Buffer, start: number, end: number, lineNo: number): FrameLine | null {
  if (end > start && buf[end - 1] === CARRIAGE_RETURN) end--;
  if (end === start) return null;
  const space = readStamp(buf, start, end);
  if (space >= 0 && Number.isSafeInteger(stamp)) return { text: buf.toString('utf8', space + 1, end), recvTime: stamp as Micros, lineNo };
  return { text: buf.toString('utf8', start, end), recvTime: null, lineNo };
}

/** The file's decompressed bytes as chunks, each a buffer of its own (the text path keeps lines cut by a chunk's end). */
async function* fileChunks(path: string): AsyncGenerator<Buffer> {
  const source = await openByteSource(path);
  try {
    for (;;) {
      const buf = Buffer.allocUnsafe(READ_CHUNK);
      const read = await source.read(buf, 0);
      if (read === 0) return;
      yield buf.subarray(0, read);
    }
  } finally {
    await source.close();
  }
}
