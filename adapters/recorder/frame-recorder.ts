import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type { Clock } from '../../application/ports/clock.ts';
import type { Micros } from '../../domain/values/units.ts';
import { errorCode, OutputFile, rotatedName } from './output-file.ts';

export { rotatedName } from './output-file.ts';

const gzipAsync = promisify(gzip);

const LINE_FEED = 10;
const CARRIAGE_RETURN = 13;
const SPACE = 32;
const ZERO = 48;
/** A safe integer has at most 16 decimal digits. */
const MAX_DIGITS = 16;
const MICROS_PER_HOUR = 3_600_000_000;
const DEFAULT_BLOCK = 256 * 1024;
const DEFAULT_MAX_BUFFERED = 64 * 1024 * 1024;

export interface RotateOptions {
  /** Starts a new file before a line would take the current one past this many uncompressed bytes. */
  readonly maxBytes?: number;
  /** Starts a new file at each full hour (UTC) of the clock. */
  readonly everyHour?: boolean;
}

export interface FrameRecorderOptions {
  /** The file to write; a name ending in `.gz` is written gzip-compressed. */
  readonly path: string;
  readonly rotate?: RotateOptions;
  /** Names rotated files and decides the hour boundaries; frames carry their own receive times. */
  readonly clock: Clock;
  /** Uncompressed bytes gathered before a block goes to the disk (for gzip, as one member). Default 256 KiB. */
  readonly blockBytes?: number;
  /**
   * Bytes held waiting for the disk, the block being filled included, beyond which frames are dropped;
   * at least two blocks. Default 64 MiB.
   */
  readonly maxBufferedBytes?: number;
}

export interface RecorderStats {
  /** Frames accepted; after `flush()` or `close()` they are all on disk. */
  readonly frames: number;
  /** Line bytes accepted, before compression. */
  readonly bytes: number;
  /** Bytes written to files so far (compressed for gzip). */
  readonly diskBytes: number;
  /** Files opened. */
  readonly files: number;
  /** Frames not written because their text holds a line feed or ends in a carriage return. */
  readonly skipped: number;
  /** Frames dropped because the disk fell behind by more than `maxBufferedBytes`, or after a write failed or close(). */
  readonly dropped: number;
}

/**
 * Records received frames, one a line: `<local receive time, µs> <frame text>\n`, the text exactly as
 * received (UTF-8), so a replay parses what the live run parsed.
 *
 * A text holding a line feed, or ending in a carriage return, cannot be stored on one line and read
 * back unchanged (readers take `\n` as the line end and drop a `\r` before it). Bybit's JSON never
 * holds either; such a frame is garbage, and it is skipped and counted in `skipped` rather than escaped,
 * so that every line written is a frame byte for byte.
 *
 * `write()` copies the line into a block and returns. A full block (`blockBytes`) goes to the disk
 * in the background: plain files get it as is, gzip files as one complete gzip member each (a file of
 * concatenated members is valid gzip, RFC 1952 §2.2), so a file cut by a crash reads back up to the
 * last block that reached the disk. Memory is bounded: the blocks waiting for the disk plus the block
 * being filled never pass `maxBufferedBytes` (plus the output of the one block being compressed); a
 * frame that would pass it is dropped and counted in `dropped`, as the trading process must not wait
 * for its recorder. `flush()` sends the
 * partial block and waits until everything is written and synced; call it when durability matters
 * (each flush of a gzip file starts a new member, so flushing every few seconds costs little
 * compression, every frame a lot).
 *
 * Rotation (`rotate`) names every file `<stem>-<YYYYMMDD>-<HHMMSS>-<n><ext>[.gz]`: for `path`
 * `rec/bybit.jsonl.gz`, `rec/bybit-20250101-130000-0001.jsonl.gz`, then `...-0002...`: the UTC time of
 * the clock when the file was opened, and n counting this recorder's files from 1 (zero-padded to four
 * digits), so that names sort in recording order. A line is never split across files. Without
 * rotation the recorder writes `path` itself. Files are opened for appending, so a restarted recorder
 * adds to a file of the same name rather than erase it.
 */
export class FrameRecorder {
  private readonly gzip: boolean;
  private readonly blockBytes: number;
  private readonly maxBuffered: number;
  private readonly maxFileBytes: number;
  private readonly everyHour: boolean;
  private readonly written: string[] = [];

  private block: Buffer;
  private offset = 0;
  /** Bytes of the blocks handed to the disk and not yet written. */
  private queued = 0;
  /** Uncompressed bytes in the current file, the block being filled included. */
  private fileBytes = 0;
  private hourEnd = Infinity;
  private file: OutputFile;
  /** Disk work runs one step at a time, in order; this is the last step. It never rejects. */
  private tail: Promise<void> = Promise.resolve();
  private failure: Error | null = null;
  private closing: Promise<void> | null = null;

  private frames = 0;
  private bytes = 0;
  private diskBytes = 0;
  private skipped = 0;
  private dropped = 0;

  private constructor(
    private readonly options: FrameRecorderOptions,
    first: OutputFile,
  ) {
    this.gzip = options.path.endsWith('.gz');
    this.blockBytes = options.blockBytes ?? DEFAULT_BLOCK;
    this.maxBuffered = options.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED;
    this.maxFileBytes = options.rotate?.maxBytes ?? Infinity;
    this.everyHour = options.rotate?.everyHour ?? false;
    this.block = Buffer.allocUnsafe(this.blockBytes);
    this.file = first;
    this.written.push(first.path);
    if (this.everyHour) this.hourEnd = nextHour(options.clock.nowMicros());
  }

  /** Opens the first file (creating its folder); rejects with a message naming it when it cannot. */
  static async open(options: FrameRecorderOptions): Promise<FrameRecorder> {
    const { blockBytes, maxBufferedBytes, rotate } = options;
    for (const [name, value] of [['blockBytes', blockBytes], ['maxBufferedBytes', maxBufferedBytes], ['rotate.maxBytes', rotate?.maxBytes]] as const) {
      if (value !== undefined && !(Number.isSafeInteger(value) && value > 0)) throw new RangeError(`${name} must be a positive integer, not ${value}`);
    }
    if ((maxBufferedBytes ?? Infinity) < 2 * (blockBytes ?? DEFAULT_BLOCK)) throw new RangeError('maxBufferedBytes must hold at least two blocks');
    const rotating = rotate?.maxBytes !== undefined || rotate?.everyHour === true;
    const path = rotating ? rotatedName(options.path, options.clock.nowMicros(), 1) : options.path;
    await mkdir(dirname(path), { recursive: true }).catch((error: unknown) => {
      throw new Error(`cannot create the folder of ${path}: ${errorCode(error)}`);
    });
    return new FrameRecorder(options, await OutputFile.open(path));
  }

  /** The files written so far, in order. */
  get paths(): readonly string[] {
    return this.written;
  }

  get stats(): RecorderStats {
    return {
      frames: this.frames,
      bytes: this.bytes,
      diskBytes: this.diskBytes,
      files: this.written.length,
      skipped: this.skipped,
      dropped: this.dropped,
    };
  }

  /** Takes one frame as received; returns at once. Times must be non-negative integer microseconds. */
  write(text: string, recvTime: Micros): void {
    if (!(Number.isSafeInteger(recvTime) && recvTime >= 0)) throw new RangeError(`receive time must be non-negative integer µs, not ${recvTime}`);
    if (this.closing !== null || this.failure !== null) {
      this.dropped++;
      return;
    }
    if (text.indexOf('\n') !== -1 || text.charCodeAt(text.length - 1) === CARRIAGE_RETURN) {
      this.skipped++;
      return;
    }
    if (this.everyHour && this.options.clock.nowMicros() >= this.hourEnd) this.rotate();
    let size = this.append(text, recvTime);
    if (size < 0) {
      this.dropped++;
      return;
    }
    if (this.fileBytes > 0 && this.fileBytes + size > this.maxFileBytes) {
      // The line belongs in the next file: take it back out of the block (it is the block's last
      // line), rotate, and write it again.
      this.offset -= size;
      this.rotate();
      size = this.append(text, recvTime);
      if (size < 0) {
        this.dropped++;
        return;
      }
    }
    this.fileBytes += size;
    this.bytes += size;
    this.frames++;
  }

  /** Writes everything received so far to the disk and syncs it; rejects if a write failed. */
  async flush(): Promise<void> {
    this.ship();
    const file = this.file;
    this.run(() => file.sync());
    await this.tail;
    if (this.failure !== null) throw this.failure;
  }

  /** Writes everything received, closes the file; later frames are dropped. Rejects if a write failed. */
  close(): Promise<void> {
    this.closing ??= this.finish();
    return this.closing;
  }

  private async finish(): Promise<void> {
    this.ship();
    const file = this.file;
    this.run(() => file.close());
    await this.tail;
    if (this.failure !== null) throw this.failure;
  }

  /**
   * Encodes `<recvTime> <text>\n` into the block, sending the block first when the line may not fit;
   * returns the line's bytes, or -1 when the disk is too far behind to take it.
   */
  private append(text: string, recvTime: number): number {
    // UTF-8 takes at most 3 bytes a UTF-16 code unit (4 for a surrogate pair of two units).
    let need = MAX_DIGITS + 2 + text.length * 3;
    if (this.block.length - this.offset < need) {
      need = MAX_DIGITS + 2 + Buffer.byteLength(text);
      if (this.block.length - this.offset < need) {
        // Memory once this block waits for the disk and the next one is allocated.
        if (this.queued + this.block.length + Math.max(need, this.blockBytes) > this.maxBuffered) return -1;
        this.ship();
        if (need > this.block.length) this.block = Buffer.allocUnsafe(need);
      }
    }
    const block = this.block;
    const start = this.offset;
    let digits = 1;
    for (let p = 10; p <= recvTime; p *= 10) digits++;
    let t = recvTime;
    for (let i = start + digits - 1; i >= start; i--) {
      block[i] = ZERO + (t % 10);
      t = Math.floor(t / 10);
    }
    let at = start + digits;
    block[at++] = SPACE;
    at += block.write(text, at, 'utf8');
    block[at++] = LINE_FEED;
    this.offset = at;
    return at - start;
  }

  /** Hands the filled part of the block to the disk and starts a fresh block. */
  private ship(): void {
    if (this.offset === 0) return;
    const data = this.block.subarray(0, this.offset);
    // A partial block (after a flush) still holds its whole allocation until it is written.
    const held = this.block.length;
    this.block = Buffer.allocUnsafe(this.blockBytes);
    this.offset = 0;
    this.queued += held;
    const file = this.file;
    const compress = this.gzip;
    this.run(async () => {
      const bytes = compress ? await gzipAsync(data) : data;
      await file.append(bytes);
      this.diskBytes += bytes.length;
      this.queued -= held;
    });
  }

  private rotate(): void {
    this.ship();
    const now = this.options.clock.nowMicros();
    const path = rotatedName(this.options.path, now, this.written.length + 1);
    const previous = this.file;
    // The new file is opened in order with the writes, so the blocks sent until then still go to the old one.
    const next = new OutputFile(path);
    this.file = next;
    this.written.push(path);
    this.fileBytes = 0;
    if (this.everyHour) this.hourEnd = nextHour(now);
    this.run(async () => {
      await previous.close();
      await next.openForAppend();
    });
  }

  /** Queues one step of disk work; the first failure stops all later steps and is kept for flush/close. */
  private run(step: () => Promise<void>): void {
    this.tail = this.tail
      .then(async () => {
        if (this.failure === null) await step();
      })
      .catch((error: unknown) => {
        this.failure ??= error instanceof Error ? error : new Error(String(error));
      });
  }
}

function nextHour(nowMicros: number): number {
  return (Math.floor(nowMicros / MICROS_PER_HOUR) + 1) * MICROS_PER_HOUR;
}
