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
}

/**
 * Runs `call`, retrying transport failures (timeouts, 5xx, dropped connections: ccxt's NetworkError
 * without a Bybit answer) and rate limits (10006, 10018) with backoff; the caller sends the same
 * orderLinkId each time, so a retry cannot double an order. Resolves null when the call went through,
 * or with a VENUE_REASONS-prefixed reason when Bybit refused; rejects when the credentials were refused
 * or every attempt failed in transport (the order may then exist or not: the next reconciliation tells).
 */
export async function sendWithRetries(call: (attempt: number) => Promise<null>, ctx: RetryContext): Promise<string | null> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await call(attempt);
    } catch (e) {
      const code = retCodeOf(e);
      const meaning = code === null ? null : meaningOf(code.code);
      const rateLimited = meaning?.kind === 'rateLimited' || e instanceof CcxtErrors.RateLimitExceeded;
      const transient = rateLimited || (code === null && e instanceof CcxtErrors.NetworkError);
      if (!transient) {
        if (meaning?.kind === 'auth' || e instanceof CcxtErrors.AuthenticationError) throw new Error(`Bybit refused the API credentials (${ctx.what}): ${ctx.safe(e)}`);
        if (meaning === null || code === null) throw new Error(`Bybit ${ctx.what} failed: ${ctx.safe(e)}`);
        const reason = meaning.kind === 'refusal' ? meaning.reason : meaning.kind === 'duplicate' ? VENUE_REASONS.duplicate : VENUE_REASONS.invalid;
        return `${reason}: ${code.code} ${code.message}`;
      }
      ctx.logger.warn(
        { venue: 'bybit', what: ctx.what, clientOrderId: ctx.clientOrderId, attempt, rateLimited, error: ctx.safe(e) },
        rateLimited ? `${VENUE_REASONS.rateLimited}: retrying after backoff` : 'transport failure: retrying with the same orderLinkId',
      );
      if (attempt + 1 >= ctx.maxAttempts) throw new Error(`Bybit ${ctx.what} failed after ${ctx.maxAttempts} attempts: ${ctx.safe(e)}`);
      await new Promise((resolve) => setTimeout(resolve, ctx.backoffMs * 2 ** attempt));
    }
  }
}
