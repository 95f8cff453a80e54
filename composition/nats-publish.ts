import type { Logger } from '../application/ports/logger.ts';
import { parseNatsAddress } from '../adapters/nats/nats-address.ts';
import { NatsFramePublisher } from '../adapters/nats/frame-publisher.ts';
import { ConfigError } from './config-error.ts';
import { duration, helpLines, int, optionTable, readSettings, setting, text } from './settings.ts';

/** The bus flags of the commands that publish (record, publish), declared as the trading commands' are (run-settings.ts). */
export const PUBLISH_SETTINGS = {
  publish: setting(text(), {
    arg: 'nats://HOST:PORT[/STREAM]',
    help: 'publish every frame, with its receive time, to a JetStream stream (default stream LADDER_MD; subjects STREAM.bybit.linear.<topic>), created when absent',
  }),
  'retain-age': setting(duration(), { arg: 'D', help: 'the stream drops frames older than D (e.g. 48h); default: kept' }),
  'retain-mb': setting(int(1, 100_000_000), { arg: 'N', help: 'the stream keeps at most N MB, the oldest frames going first; default: no bound' }),
};

export const PUBLISH_OPTIONS = optionTable(PUBLISH_SETTINGS);

export const PUBLISH_FLAGS_HELP = helpLines(PUBLISH_SETTINGS);

/** `--publish`, `--retain-age`, `--retain-mb` → a connected publisher; a refused setting names its flag. */
export async function openPublisher(
  flags: { readonly publish?: string; readonly 'retain-age'?: string; readonly 'retain-mb'?: string },
  flag: string,
  logger: Logger,
): Promise<NatsFramePublisher> {
  const address = parseNatsAddress(flags.publish ?? '');
  if (!address.ok) throw new ConfigError(flag, address.error);
  if (address.value.startGiven || address.value.endGiven || address.value.durable !== null) throw new ConfigError(flag, 'a publish address takes no start=, end= or durable=');
  const settings = readSettings(PUBLISH_SETTINGS, flags);
  const maxAgeMs = settings['retain-age'] ?? null;
  const maxMb = settings['retain-mb'] ?? null;
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
