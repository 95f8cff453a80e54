import { ContainerModule } from 'inversify';
import type { Clock } from '../application/ports/clock.ts';
import type { Logger } from '../application/ports/logger.ts';
import { scanningDecoder } from '../adapters/bybit/frame-decoder.ts';
import { parseNatsAddress } from '../adapters/nats/nats-address.ts';
import { ConfigError, type PaperConfig } from './config.ts';
import { TOKENS } from './tokens.ts';

/**
 * Market data from a JetStream stream (`--source nats://HOST:PORT/STREAM…`). The feed connects as the
 * run is composed, so that a server that cannot be reached, or a stream that does not exist, is a
 * refused setting named as such rather than a failure halfway through.
 */
export const natsFeedModule = new ContainerModule(({ bind }) => {
  bind(TOKENS.Feed)
    .toResolvedValue(
      async (config: PaperConfig, clock: Clock, logger: Logger) => {
        const address = parseNatsAddress(config.url);
        if (!address.ok) throw new ConfigError('--source', address.error);
        // The NATS client is loaded only by the runs that read from it.
        const { NatsStreamFeed } = await import('../adapters/nats/stream-feed.ts');
        try {
          return await NatsStreamFeed.open({ address: address.value, clock, logger, decoder: scanningDecoder(config.instrument) });
        } catch (error) {
          throw new ConfigError('--source', (error as Error).message);
        }
      },
      [TOKENS.Config, TOKENS.Clock, TOKENS.Logger],
    )
    .inSingletonScope();
});
