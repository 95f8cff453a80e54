import type { Clock } from '../../application/ports/clock.ts';
import type { Logger } from '../../application/ports/logger.ts';
import { err, ok, type Result } from '../../domain/result.ts';
import type { FrameDecoder } from './frame-decoder.ts';
import type { Backoff } from './ws-client.ts';

/** Book depths Bybit publishes for linear contracts (pushed every 10, 20, 100 and 200 ms). */
export const BYBIT_DEPTHS = [1, 50, 200, 1000] as const;
export type BybitDepth = (typeof BYBIT_DEPTHS)[number];

export interface BybitLiveFeedOptions {
  readonly url: string;
  readonly symbol: string;
  /** One of BYBIT_DEPTHS; checked by `create`. */
  readonly depth: number;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly pingIntervalMs?: number;
  readonly pongTimeoutMs?: number;
  /** A `heartbeat` event is sent after this long without any frame, and again every as long. */
  readonly heartbeatMs?: number;
  /** A resync whose snapshot has not come this long after the resubscribe reconnects. */
  readonly resyncTimeoutMs?: number;
  readonly backoff?: Backoff;
  readonly random?: () => number;
  /** How frame texts become events; the JSON parser when absent. Must not share buffers between events. */
  readonly decoder?: FrameDecoder;
  /** Events waiting for the consumer beyond which received frames are dropped (counted and logged). */
  readonly maxQueued?: number;
}

export type LiveFeedOptionError = { readonly kind: 'InvalidFeedOption'; readonly field: string; readonly reason: string };

/** What `checkOptions` settles from the options, defaults filled in. */
export interface LiveFeedSettings {
  readonly heartbeatMs: number;
  readonly resyncTimeoutMs: number;
  readonly maxQueued: number;
}

/** Checks the options of `BybitLiveFeed.create`: the settings the feed needs, or the first option that is wrong. */
export function checkOptions(o: BybitLiveFeedOptions): Result<LiveFeedSettings, LiveFeedOptionError> {
  const bad = (field: string, reason: string): Result<LiveFeedSettings, LiveFeedOptionError> =>
    err({ kind: 'InvalidFeedOption', field, reason });
  if (!/^wss?:\/\/\S+$/.test(o.url)) return bad('url', `"${o.url}" is not a ws:// or wss:// address`);
  if (!/^[A-Z0-9]+$/.test(o.symbol)) return bad('symbol', `"${o.symbol}" is not a Bybit symbol`);
  if (!(BYBIT_DEPTHS as readonly number[]).includes(o.depth)) {
    return bad('depth', `${o.depth} is not a linear book depth (${BYBIT_DEPTHS.join(', ')})`);
  }
  const durations = {
    pingIntervalMs: o.pingIntervalMs,
    pongTimeoutMs: o.pongTimeoutMs,
    heartbeatMs: o.heartbeatMs,
    resyncTimeoutMs: o.resyncTimeoutMs,
    maxQueued: o.maxQueued,
    'backoff.initialMs': o.backoff?.initialMs,
    'backoff.maxMs': o.backoff?.maxMs,
  };
  for (const [field, value] of Object.entries(durations)) {
    if (value !== undefined && !(Number.isSafeInteger(value) && value > 0)) return bad(field, `${value} is not a positive integer`);
  }
  if (o.backoff !== undefined && o.backoff.maxMs < o.backoff.initialMs) return bad('backoff.maxMs', 'is below backoff.initialMs');
  return ok({
    heartbeatMs: o.heartbeatMs ?? 500,
    resyncTimeoutMs: o.resyncTimeoutMs ?? 5000,
    maxQueued: o.maxQueued ?? 100_000,
  });
}
