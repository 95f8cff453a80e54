import { BYBIT_LINEAR_FEES, type FeeSchedule } from '../../domain/trading/fees.ts';

/** The venues whose recorded markets the simulated exchange plays. */
export type FeeVenue = 'bybit-linear' | 'binance-usdm' | 'binance-spot';

/**
 * The simulated exchange's default fees by venue, in ppm of the fill's notional: the venues' base
 * (non-VIP) rates for a trader without the venue's own token discount.
 * - Bybit USDT perpetuals, non-VIP: maker 0.02 %, taker 0.055 %; Bybit Help Center, "Trading Fee
 *   Structure", https://www.bybit.com/en/help-center/article/Trading-Fee-Structure.
 * - Binance USDⓈ-M futures, VIP 0: maker 0.0200 %, taker 0.0500 %; Binance fee schedule,
 *   https://www.binance.com/en/fee/futureFee (USDⓈ-M, Regular user / VIP 0, without the BNB discount).
 * - Binance spot, regular user (VIP 0): maker 0.1000 %, taker 0.1000 %; https://www.binance.com/en/fee/schedule.
 * `--maker-fee-ppm` and `--taker-fee-ppm` replace them.
 */
export const VENUE_FEES: Readonly<Record<FeeVenue, FeeSchedule>> = {
  'bybit-linear': BYBIT_LINEAR_FEES,
  'binance-usdm': { makerPpm: 200, takerPpm: 500 },
  'binance-spot': { makerPpm: 1_000, takerPpm: 1_000 },
};
