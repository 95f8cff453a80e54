import { VENUE_REASONS } from '../../../application/ports/execution-venue.ts';

/**
 * What a Bybit v5 `retCode` means to the gateway. `reason` is a VENUE_REASONS prefix for a refusal the
 * strategy must hear of; `retry` marks the codes answered by waiting and sending the same request again
 * (rate limits); `duplicate` is 110072, which on a retry means "the first attempt got through".
 */
export type RetCodeMeaning =
  | { readonly kind: 'refusal'; readonly reason: string }
  | { readonly kind: 'rateLimited' }
  | { readonly kind: 'duplicate' }
  | { readonly kind: 'auth' }
  | { readonly kind: 'clock' };

/**
 * Bybit v5 error codes, from https://bybit-exchange.github.io/docs/v5/error (UTA / linear rows):
 * - 10001 request parameter error; 110003 price out of range; 110094 order notional below the minimum;
 *   170136 quantity below the minimum (spot); 110009/110020 too many orders: `invalid`.
 * - 110004 wallet balance insufficient; 110007 available balance insufficient; 110012 insufficient
 *   available balance; 110044 risk limit exceeded: `insufficient`.
 * - 110017 reduce-only rule not satisfied (position zero or the order would increase it); 110018 on
 *   linear reduce-only too: `reduceOnly`.
 * - 170218 (spot) post-only would take liquidity. On linear a crossing PostOnly order is accepted by
 *   REST and then cancelled on the stream with rejectReason `EC_PostOnlyWillTakeLiquidity`, mapped in
 *   order-status.ts, not here.
 * - 110001 order does not exist or is too late to cancel; 170213 (spot) order does not exist: `unknownOrder`.
 * - 110072 OrderLinkedID is duplicate.
 * - 10002 request time outside recv_window: the clock is re-synced and the request sent once more.
 * - 10006 too many visits; 10018 IP rate limit exceeded: waited for and retried.
 * - 10003 invalid API key; 10004 signature error; 10005 permission denied; 33004 key expired.
 */
const TABLE: ReadonlyMap<number, RetCodeMeaning> = new Map<number, RetCodeMeaning>([
  [10001, { kind: 'refusal', reason: VENUE_REASONS.invalid }],
  [110003, { kind: 'refusal', reason: VENUE_REASONS.invalid }],
  [110009, { kind: 'refusal', reason: VENUE_REASONS.invalid }],
  [110020, { kind: 'refusal', reason: VENUE_REASONS.invalid }],
  [110094, { kind: 'refusal', reason: VENUE_REASONS.invalid }],
  [170136, { kind: 'refusal', reason: VENUE_REASONS.invalid }],
  [110004, { kind: 'refusal', reason: VENUE_REASONS.insufficient }],
  [110007, { kind: 'refusal', reason: VENUE_REASONS.insufficient }],
  [110012, { kind: 'refusal', reason: VENUE_REASONS.insufficient }],
  [110044, { kind: 'refusal', reason: VENUE_REASONS.insufficient }],
  [110017, { kind: 'refusal', reason: VENUE_REASONS.reduceOnly }],
  [110018, { kind: 'refusal', reason: VENUE_REASONS.reduceOnly }],
  [170218, { kind: 'refusal', reason: VENUE_REASONS.postOnly }],
  [110001, { kind: 'refusal', reason: VENUE_REASONS.unknownOrder }],
  [170213, { kind: 'refusal', reason: VENUE_REASONS.unknownOrder }],
  [110072, { kind: 'duplicate' }],
  [10002, { kind: 'clock' }],
  [10006, { kind: 'rateLimited' }],
  [10018, { kind: 'rateLimited' }],
  [10003, { kind: 'auth' }],
  [10004, { kind: 'auth' }],
  [10005, { kind: 'auth' }],
  [33004, { kind: 'auth' }],
]);

/** The meaning of a retCode; a code not in the table is an `invalid` refusal that names the code. */
export function meaningOf(retCode: number): RetCodeMeaning {
  return TABLE.get(retCode) ?? { kind: 'refusal', reason: VENUE_REASONS.invalid };
}

/**
 * The retCode and retMsg in a ccxt exception: ccxt throws `bybit {"retCode":110017,...}` with the
 * response body after the exchange id. Null when the error carries no Bybit answer (a transport failure).
 */
export function retCodeOf(error: unknown): { readonly code: number; readonly message: string } | null {
  const text = error instanceof Error ? error.message : String(error);
  const code = /"retCode"\s*:\s*"?(\d+)/.exec(text);
  if (code === null) return null;
  const msg = /"retMsg"\s*:\s*"([^"]*)"/.exec(text);
  return { code: Number(code[1]), message: msg?.[1] ?? '' };
}
