import type { Logger } from '../application/ports/logger.ts';
import { parseNatsAddress } from '../adapters/nats/nats-address.ts';
import { NatsFramePublisher } from '../adapters/nats/frame-publisher.ts';
import { ConfigError, durationFlag, intFlag } from './config.ts';

/** The flags of PUBLISH_FLAGS_HELP, for the commands that publish (record, publish). */
export const PUBLISH_OPTIONS = {
  publish: { type: 'string' },
  'retain-age': { type: 'string' },
  'retain-mb': { type: 'string' },
} as const;

export const PUBLISH_FLAGS_HELP = `  --publish nats://HOST:PORT[/STREAM]
                      publish every frame, with its receive time, to a JetStream stream (default
                      stream LADDER_MD; subjects STREAM.bybit.linear.<topic>), created when absent
  --retain-age D      the stream drops frames older than D (e.g. 48h); default: kept
  --retain-mb N       the stream keeps at most N MB, the oldest frames going first; default: no bound`;

/** `--publish`, `--retain-age`, `--retain-mb` → a connected publisher; a refused setting names its flag. */
export async function openPublisher(
  flags: { readonly publish?: string; readonly 'retain-age'?: string; readonly 'retain-mb'?: string },
  flag: string,
  logger: Logger,
): Promise<NatsFramePublisher> {
  const address = parseNatsAddress(flags.publish ?? '');
  if (!address.ok) throw new ConfigError(flag, address.error);
  if (address.value.startGiven || address.value.endGiven || address.value.durable !== null) throw new ConfigError(flag, 'a publish address takes no start=, end= or durable=');
  const maxAgeMs = flags['retain-age'] === undefined ? null : durationFlag('--retain-age', flags['retain-age']);
  const maxMb = flags['retain-mb'] === undefined ? null : intFlag('--retain-mb', flags['retain-mb'], 1, 100_000_000);
  try {
    return await NatsFramePublisher.open({
      server: address.value.server,
      stream: address.value.stream,
      venue: 'bybit',
      category: 'linear',
      maxAgeMs,
      maxBytes: maxMb === null ? null : maxMb * 1_000_000,
      logger,
    });
  } catch (error) {
    throw new ConfigError(flag, (error as Error).message);
  }
}
