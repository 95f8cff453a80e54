import { closeSync, openSync, readSync } from 'node:fs';
import { constants, gunzipSync } from 'node:zlib';
import { errorCode } from './error-code.ts';

/**
 * What a recorded file holds, told from its first lines:
 * - `bybit`: Bybit v5 public frames (`"topic":"orderbook.…"`), the recorder's lines, bare lines or
 *   Bybit's historical dumps; `symbol` and `depth` from the first order-book topic;
 * - `binance`: Binance combined-stream frames or raw payloads (`"e":"depthUpdate"`, a REST snapshot
 *   `{"lastUpdateId":…}`), `usdm` when its diffs carry `pu`, `spot` when they do not; `symbol` from the
 *   first diff, trade or book ticker.
 */
export type InputFormat =
  | { readonly venue: 'bybit'; readonly symbol: string | null; readonly depth: number | null }
  | { readonly venue: 'binance'; readonly market: 'usdm' | 'spot'; readonly symbol: string | null };

/** A file's format, and whether a book snapshot comes in its first lines (it can start a book by itself). */
export interface InputHead {
  readonly format: InputFormat;
  readonly startsBook: boolean;
}

/** The format with a symbol: the one found in the file, else `symbol` (a REST snapshot does not name its own). */
export function withSymbol(format: InputFormat, symbol: string): InputFormat {
  return format.symbol === null ? { ...format, symbol } : format;
}

/** Bytes read from the start of a file to tell its format; a compressed file is inflated as far as they go. */
const HEAD_BYTES = 256 * 1024;
/** Lines looked at: a capture's REST snapshot and first depth diff come within its first few dozen lines. */
const HEAD_LINES = 500;

/**
 * The format of a file of frames, from its first lines (a zip is a Bybit historical dump). A file of
 * neither venue's frames is taken as Bybit's, whose parser counts every line it cannot read. Throws
 * with a sentence naming the file when it cannot be read, or holds Binance frames without a depth
 * diff to tell USD-M from spot.
 */
export function detectInputFormat(path: string): InputFormat {
  return inspectInput(path).format;
}

/** `detectInputFormat`, and whether a book snapshot (Bybit's, or Binance's REST snapshot) is among the first lines. */
export function inspectInput(path: string): InputHead {
  const lines = headLines(path);
  let bybit: { symbol: string | null; depth: number | null } | null = null;
  let binance: { market: 'usdm' | 'spot' | null; symbol: string | null } | null = null;
  let startsBook = false;
  for (const line of lines) {
    const text = stripStamp(line);
    if (text.includes('"topic":"')) {
      bybit ??= { symbol: null, depth: null };
      const at = text.indexOf('"topic":"orderbook.');
      if (at >= 0) {
        if (text.includes('"type":"snapshot"')) startsBook = true;
        if (bybit.symbol === null) {
          const [, depth, symbol] = text.slice(at + 9, text.indexOf('"', at + 9)).split('.');
          const n = Number(depth);
          bybit = { symbol: symbol ?? null, depth: Number.isSafeInteger(n) && n > 0 ? n : null };
        }
      }
      continue;
    }
    if (text.includes('"lastUpdateId"') || /"e":"(depthUpdate|trade|aggTrade|bookTicker)"|"stream":"/.test(text)) {
      binance ??= { market: null, symbol: null };
      if (text.includes('"lastUpdateId"')) startsBook = true;
      binance.symbol ??= /"s":"([^"]+)"/.exec(text)?.[1] ?? null;
      if (text.includes('"e":"depthUpdate"')) binance.market ??= text.includes('"pu":') ? 'usdm' : 'spot';
    }
  }
  if (binance !== null) {
    if (binance.market === null) throw new Error(`${path} holds Binance frames but no depth diff in its first ${HEAD_LINES} lines, to tell USD-M (pu) from spot`);
    return { format: { venue: 'binance', market: binance.market, symbol: binance.symbol }, startsBook };
  }
  return { format: { venue: 'bybit', symbol: bybit?.symbol ?? null, depth: bybit?.depth ?? null }, startsBook };
}

/** The first lines of a file, gzip inflated; a zip gives a Bybit topic line (Bybit's dumps are zips). */
function headLines(path: string): string[] {
  let head: Buffer;
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    throw new Error(`cannot read ${path}: ${errorCode(error)}`);
  }
  try {
    const buf = Buffer.alloc(HEAD_BYTES);
    head = buf.subarray(0, readSync(fd, buf, 0, HEAD_BYTES, 0));
  } catch (error) {
    throw new Error(`cannot read ${path}: ${errorCode(error)}`);
  } finally {
    closeSync(fd);
  }
  if (head.length === 0) throw new Error(`empty file: ${path}`);
  // Bybit's historical dumps come zipped and start with a snapshot.
  if (head[0] === 0x50 && head[1] === 0x4b) return ['{"topic":"orderbook.","type":"snapshot"}'];
  if (head[0] === 0x1f && head[1] === 0x8b) {
    try {
      // A sync flush inflates what the bytes read hold, without asking for the end of the stream.
      head = gunzipSync(head, { finishFlush: constants.Z_SYNC_FLUSH });
    } catch (error) {
      throw new Error(`cannot read ${path}: not a readable gzip file (${(error as Error).message})`);
    }
  }
  return head.toString('utf8', 0, Math.min(head.length, 8 * HEAD_BYTES)).split('\n', HEAD_LINES);
}

/** The frame text of a line, without a recorder's `<digits> ` stamp. */
function stripStamp(line: string): string {
  const m = /^\d{1,19} /.exec(line);
  return m === null ? line : line.slice(m[0].length);
}
