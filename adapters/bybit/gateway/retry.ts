import { VENUE_REASONS } from '../../../application/ports/execution-venue.ts';
import type { Logger } from '../../../application/ports/logger.ts';
import { CcxtErrors } from './ccxt-slice.ts';
import { meaningOf, retCodeOf } from './error-map.ts';

export interface RetryContext {
  /** What is being sent, for log lines and errors ("create order"). */
  readonly what: string;
  readonly clientOrderId: string;
  readonly logger: Logger;
  readonly maxAttempts: number;
  /** First wait; it doubles with each attempt. */
  readonly backoffMs: number;
  /** An error's message with the credentials taken out. */
  readonly safe: (e: unknown) => string;
  /** Re-reads the exchange's time after a 10002 (request time outside recv_window). */
  readonly resyncClock?: () => Promise<void>;
  /** Told of every transport failure (timeout, reset, 5xx): what the exchange did is in doubt. */
  readonly onDoubt?: (reason: string) => void;
}

/** The exchange refused the credentials (HTTP 401, retCode 10003, 10004, 10005, 33004): nothing more can be sent. */
export class AuthRefused extends Error {}

/** Every attempt failed in transport: the request may or may not have reached the exchange. */
export class OutcomeUnknown extends Error {}

/**
 * Runs `call`, retrying transport failures (timeouts, 5xx, dropped connections: ccxt's NetworkError
 * without a Bybit answer) and rate limits (10006, 10018) with backoff; the caller sends the same
 * orderLinkId each time, so a retry cannot double an order. A 10002 (the request's time fell outside
 * recv_window) re-syncs the clock and sends once more; a second 10002 is a refusal. Resolves null when
 * the call went through, or with a VENUE_REASONS-prefixed reason when Bybit refused; rejects with
 * `AuthRefused` when the credentials were refused, with `OutcomeUnknown` when every attempt failed in
 * transport (the order may then exist or not: a lookup tells).
 */
export async function sendWithRetries(call: (attempt: number) => Promise<null>, ctx: RetryContext): Promise<string | null> {
  let clockRetried = false;
  for (let attempt = 0; ; attempt++) {
    try {
      return await call(attempt);
    } catch (e) {
      const code = retCodeOf(e);
      const meaning = code === null ? null : meaningOf(code.code);
      if (meaning?.kind === 'clock' && !clockRetried && ctx.resyncClock !== undefined) {
        clockRetried = true;
        ctx.logger.warn({ venue: 'bybit', what: ctx.what, clientOrderId: ctx.clientOrderId, error: ctx.safe(e) }, 'request time outside recv_window (10002): re-syncing the clock and sending once more');
        await ctx.resyncClock();
        attempt--;
        continue;
      }
      const rateLimited = meaning?.kind === 'rateLimited' || e instanceof CcxtErrors.RateLimitExceeded;
      const authRefused = meaning?.kind === 'auth' || (code === null && e instanceof CcxtErrors.AuthenticationError);
      const transient = !authRefused && (rateLimited || (code === null && e instanceof CcxtErrors.NetworkError));
      if (!transient) {
        if (authRefused) throw new AuthRefused(`Bybit refused the API credentials (${ctx.what}): ${ctx.safe(e)}`);
        if (meaning === null || code === null) throw new Error(`Bybit ${ctx.what} failed: ${ctx.safe(e)}`);
        const reason = meaning.kind === 'refusal' ? meaning.reason : meaning.kind === 'duplicate' ? VENUE_REASONS.duplicate : VENUE_REASONS.invalid;
        return `${reason}: ${code.code} ${code.message}`;
      }
      if (!rateLimited) ctx.onDoubt?.(`${ctx.what} ${ctx.clientOrderId}: ${ctx.safe(e)}`);
      ctx.logger.warn(
        { venue: 'bybit', what: ctx.what, clientOrderId: ctx.clientOrderId, attempt, rateLimited, error: ctx.safe(e) },
        rateLimited ? `${VENUE_REASONS.rateLimited}: retrying after backoff` : 'transport failure: retrying with the same orderLinkId',
      );
      if (attempt + 1 >= ctx.maxAttempts) throw new OutcomeUnknown(`Bybit ${ctx.what} failed after ${ctx.maxAttempts} attempts: ${ctx.safe(e)}`);
      await new Promise((resolve) => setTimeout(resolve, ctx.backoffMs * 2 ** attempt));
    }
  }
}
