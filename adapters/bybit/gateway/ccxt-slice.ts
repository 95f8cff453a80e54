import ccxt from 'ccxt';

/** Raw Bybit fields of a ccxt result: the gateway reads decimals from `info`, never ccxt's floats. */
export interface WithInfo {
  readonly info: Record<string, unknown>;
}

/**
 * The part of ccxt's `bybit` class the gateway calls, and nothing more: the rest of ccxt stays behind
 * this interface, and a test may stand in for it.
 */
export interface CcxtBybitSlice {
  loadMarkets(): Promise<unknown>;
  market(symbol: string): WithInfo & { readonly id: string; readonly symbol: string };
  createOrder(symbol: string, type: string, side: string, amount: number, price?: number, params?: Record<string, unknown>): Promise<WithInfo>;
  cancelOrder(id: string | undefined, symbol: string, params?: Record<string, unknown>): Promise<WithInfo>;
  /** `/v5/order/amend`: `params.orderLinkId` names the order when `id` is undefined; `amount` is the new total qty. */
  editOrder(id: string | undefined, symbol: string, type: string, side: string, amount?: number, price?: number, params?: Record<string, unknown>): Promise<WithInfo>;
  fetchOpenOrders(symbol: string, since?: number, limit?: number, params?: Record<string, unknown>): Promise<WithInfo[]>;
  fetchMyTrades(symbol: string, since?: number, limit?: number, params?: Record<string, unknown>): Promise<WithInfo[]>;
  fetchPositions(symbols: string[], params?: Record<string, unknown>): Promise<WithInfo[]>;
  cancelAllOrders(symbol: string, params?: Record<string, unknown>): Promise<unknown>;
  /** Bybit's server time in ms (the `time` of `/v5/market/time`'s answer). */
  fetchTime(): Promise<number | undefined>;
  /** `/v5/order/disconnected-cancel-all`: `{ timeWindow: seconds, product: 'DERIVATIVES' }`. */
  privatePostV5OrderDisconnectedCancelAll(params: Record<string, unknown>): Promise<unknown>;
  /** ccxt's settings: `timeDifference` (ours minus the server's, ms) and `recvWindow` sign every request. */
  readonly options: Record<string, unknown>;
}

/** The ccxt exception classes the gateway tells apart. */
export const CcxtErrors = {
  NetworkError: ccxt.NetworkError,
  RateLimitExceeded: ccxt.RateLimitExceeded,
  AuthenticationError: ccxt.AuthenticationError,
} as const;

export interface CcxtBybitOptions {
  readonly network: 'testnet' | 'mainnet';
  /** Replaces every REST host (public and private), e.g. `http://127.0.0.1:4321` in tests. */
  readonly restUrl?: string;
  readonly apiKey: string;
  readonly apiSecret: string;
  readonly requestTimeoutMs?: number;
  /** Milliseconds between requests; RATE_LIMIT_MS when absent. */
  readonly rateLimitMs?: number;
  /** Bybit's `recv_window`, ms: how far a request's timestamp may be from the server's time; 5000 when absent. */
  readonly recvWindowMs?: number;
}

/**
 * ccxt's throttle unit, ms: each endpoint costs a number of units, calibrated by ccxt to Bybit's v5
 * per-UID limits at 20 ms (https://bybit-exchange.github.io/docs/v5/rate-limit): `/v5/order/create`
 * 2.5 units (20 a second), `/v5/position/list` 5 (10 a second), `/v5/order/cancel-all` 50 (1 a
 * second). A larger unit slows every request in proportion: at 100 ms a position read took 0.5 s and
 * the request after a cancel-all waited 5 s, which a kill switch cannot afford.
 */
export const RATE_LIMIT_MS = 20;

/** ccxt's request timeout (its own default is 10 s; an order answer slower than this is lost anyway). */
export const REQUEST_TIMEOUT_MS = 5_000;

/**
 * A `ccxt.bybit` for linear swaps only: markets are loaded for `linear` alone, the account is taken
 * as unified (no `/v5/user/query-api` round trip before the first order), testnet unless mainnet.
 */
export function createCcxtBybit(options: CcxtBybitOptions): CcxtBybitSlice {
  const exchange = new ccxt.bybit({
    apiKey: options.apiKey,
    secret: options.apiSecret,
    enableRateLimit: true,
    rateLimit: options.rateLimitMs ?? RATE_LIMIT_MS,
    timeout: options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS,
    options: {
      defaultType: 'swap',
      defaultSubType: 'linear',
      fetchMarkets: { types: ['linear'] },
      enableUnifiedMargin: false,
      enableUnifiedAccount: true,
      recvWindow: options.recvWindowMs ?? 5_000,
      // The gateway keeps the offset itself (ClockSync) and writes it to `timeDifference`.
      adjustForTimeDifference: false,
    },
  });
  if (options.network === 'testnet') exchange.setSandboxMode(true);
  if (options.restUrl !== undefined) {
    const api = (exchange.urls as { api: Record<string, string> }).api;
    for (const key of Object.keys(api)) api[key] = options.restUrl;
  }
  return exchange as unknown as CcxtBybitSlice;
}
