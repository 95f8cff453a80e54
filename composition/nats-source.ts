import type { Instrument } from '../domain/values/instrument.ts';
import { SystemClock } from '../adapters/clock/system-clock.ts';
import { scanningDecoder } from '../adapters/bybit/frame-decoder.ts';
import { parseNatsAddress, withDefaultRange } from '../adapters/nats/nats-address.ts';
import { NatsStreamFeed } from '../adapters/nats/stream-feed.ts';
import type { Logger } from '../application/ports/logger.ts';
import { silentLogger } from '../application/ports/logger.ts';
import { ConfigError } from './config.ts';

/**
 * The feed of `--source nats://HOST:PORT/STREAM…` for the commands that read stored market data
 * (`ladder replay`, `ladder features`): by default from the stream's first frame to the last stored
 * when it opens, as a backtest reads it. A refused address, an unreachable server or a missing
 * stream names `--source`.
 */
export async function openNatsSource(text: string, instrument: Instrument, logger: Logger = silentLogger): Promise<NatsStreamFeed> {
  const address = parseNatsAddress(withDefaultRange(text, 'first', 'last'));
  if (!address.ok) throw new ConfigError('--source', address.error);
  try {
    return await NatsStreamFeed.open({ address: address.value, clock: new SystemClock(), logger, decoder: scanningDecoder(instrument) });
  } catch (error) {
    throw new ConfigError('--source', (error as Error).message);
  }
}
