import { ContainerModule } from 'inversify';
import type { Lots } from '../domain/values/units.ts';
import type { Logger } from '../application/ports/logger.ts';
import { lotsToQty, qtyToLots, type Instrument } from '../domain/values/instrument.ts';
import { SystemClock } from '../adapters/clock/system-clock.ts';
import { VenueOutbox } from '../application/venue-outbox.ts';
import { createBybitGateway, type BybitGateway } from '../adapters/bybit/gateway/bybit-gateway.ts';
import { ConfigError, type PaperConfig } from './config.ts';
import type { LiveConfig } from './live-config.ts';
import { runPaper, type PaperOptions, type PaperResult } from './paper.ts';
import { TOKENS } from './tokens.ts';

/**
 * Composes and runs app:live: app:paper's core module and Bybit feed with the Bybit gateway as the
 * venue. The gateway starts first: it loads the instrument's tick, lot and minimum from the exchange,
 * connects the private stream and reconciles (the position, open orders and recent executions: the
 * run starts from the exchange's position); the run then trades on the exchange's instrument. Orders
 * go through an outbox, so the loop never waits on the exchange. The gateway is closed however the
 * run ends.
 */
export async function runLive(config: LiveConfig, options: PaperOptions): Promise<PaperResult> {
  const gateway = await startGateway(config, options.logger);
  try {
    const onExchange = exchangeInstrument(config, gateway.instrument, options.logger);
    const venue = new VenueOutbox(gateway, new SystemClock(), options.logger);
    return await runPaper({ ...config, ...onExchange }, { ...options, mode: 'live', venueModule: gatewayModule(venue) });
  } finally {
    await gateway.close();
  }
}

async function startGateway(config: LiveConfig, logger: Logger): Promise<BybitGateway> {
  try {
    return await createBybitGateway({
      network: config.network,
      ...(config.restUrl === null ? {} : { restUrl: config.restUrl }),
      ...(config.privateUrl === null ? {} : { privateWsUrl: config.privateUrl }),
      apiKey: config.apiKey.reveal(),
      apiSecret: config.apiSecret.reveal(),
      symbol: 'BTCUSDT',
      clock: new SystemClock(),
      logger,
      onStartOrders: config.onStartOrders,
      reconcileEveryMs: config.reconcileEveryMs,
      recvWindowMs: config.recvWindowMs,
      maxClockOffsetMs: config.maxClockOffsetMs,
      requestTimeoutMs: config.requestTimeoutMs,
      ...(config.dcpWindowS === null ? {} : { dcpWindowS: config.dcpWindowS }),
    });
  } catch (error) {
    throw new ConfigError(`Bybit ${config.network}`, `${(error as Error).message}; "ladder doctor --live" checks the keys, the clock and the exchange`);
  }
}

/**
 * The exchange's instrument, with the position limit and order size carried over as quantities: a
 * quantity that is not on the exchange's lot grid, or below its minimum, stops the run naming the flag.
 */
function exchangeInstrument(config: PaperConfig, exchange: Instrument, logger: Logger): Pick<PaperConfig, 'instrument' | 'maxPositionLots' | 'orderLots'> {
  const built = config.instrument;
  if (built.tickSize !== exchange.tickSize || built.lotSize !== exchange.lotSize || built.minQty !== exchange.minQty) {
    logger.warn(
      { symbol: exchange.symbol, tick: exchange.tickSize, lot: exchange.lotSize, min: exchange.minQty, builtIn: { tick: built.tickSize, lot: built.lotSize, min: built.minQty } },
      'the exchange\'s instrument differs from the built-in one; trading on the exchange\'s',
    );
  }
  const carry = (field: string, lots: Lots): Lots => {
    const qty = lotsToQty(built, lots);
    const onExchange = qtyToLots(exchange, qty);
    if (!onExchange.ok || onExchange.value < exchange.minLots) {
      throw new ConfigError(field, `${qty} BTC is not an order quantity on Bybit's grid (lot ${exchange.lotSize}, minimum ${exchange.minQty})`);
    }
    return onExchange.value;
  };
  return { instrument: exchange, maxPositionLots: carry('--max-position', config.maxPositionLots), orderLots: carry('--order-size', config.orderLots) };
}

/** The venue of app:live: the started gateway, behind its outbox. */
function gatewayModule(venue: VenueOutbox): ContainerModule {
  return new ContainerModule(({ bind }) => {
    bind(TOKENS.Venue).toConstantValue(venue);
  });
}
