import { silentLogger } from '../../application/ports/logger.ts';
import { createBybitGateway } from '../../adapters/bybit/gateway/bybit-gateway.ts';
import type { Micros } from '../../domain/values/units.ts';
import { BybitV5Server } from '../support/bybit-v5-server.ts';
import { runVenueContract, type VenueHarness } from './execution-venue.contract.ts';

const API_KEY = 'contract-key';
const API_SECRET = 'contract-secret';

/**
 * The gateway against the local Bybit v5 server. The server acknowledges a cancel on REST and applies
 * it at `settle`, as Bybit's asynchronous cancel lets a trade reach the engine first.
 */
async function bybitHarness(): Promise<VenueHarness> {
  const server = await BybitV5Server.start({ apiKey: API_KEY, apiSecret: API_SECRET, holdCancelsUntilSettle: true });
  const clock = { nowMicros: () => (Date.now() * 1000) as Micros };
  const venue = await createBybitGateway({
    network: 'testnet', restUrl: server.restUrl, privateWsUrl: server.privateWsUrl, apiKey: API_KEY, apiSecret: API_SECRET,
    symbol: 'BTCUSDT', clock, logger: silentLogger, rateLimitMs: 5,
  });
  return {
    venue,
    symbol: 'BTCUSDT',
    ref: 900_000,
    now: () => clock.nowMicros(),
    setBook: (bids, asks) => Promise.resolve(server.setBook(bids, asks)),
    trade: (price, size, takerSide) => Promise.resolve(server.trade(price, size, takerSide)),
    settle: () => server.settle(),
    close: async () => {
      await venue.close();
      await server.close();
    },
  };
}

runVenueContract('bybit gateway against a local Bybit v5 server', bybitHarness);
