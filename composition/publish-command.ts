import type { Micros } from '../domain/values/units.ts';
import { createPinoLogger } from '../adapters/log/pino-logger.ts';
import { readFrameLines } from '../adapters/replay/frame-reader.ts';
import { receiveTimeOf } from '../adapters/replay/file-feed.ts';
import { ConfigError } from './config.ts';
import { parseCommandLine } from './args.ts';
import { LOG_LEVELS } from './run-settings.ts';
import { flag, helpLines, oneOf, optionTable, readSettings, setting, text } from './settings.ts';
import { openPublisher, PUBLISH_SETTINGS } from './nats-publish.ts';

/** `ladder publish`'s settings: --input and --log-level here, the bus's own beside the publisher (nats-publish.ts). */
const PUBLISH_COMMAND_SETTINGS = {
  input: setting(text(), { arg: 'FILE', help: 'recorded frames (any format ladder replay reads)' }),
  ...PUBLISH_SETTINGS,
  'log-level': setting(oneOf(LOG_LEVELS), { arg: 'LEVEL', default: 'warn', help: 'logs on standard error' }),
  help: flag('this text', 'h'),
};

export const PUBLISH_HELP = `ladder publish — put a recording on the market-data bus (a JetStream stream), frame by frame

Usage: ladder publish --input FILE --publish nats://HOST:PORT[/STREAM] [--retain-age D] [--retain-mb N]

${helpLines(PUBLISH_COMMAND_SETTINGS, Object.keys(PUBLISH_COMMAND_SETTINGS).filter((k) => k !== 'help'))}

Each frame keeps the receive time a replay of the file gives it, so "ladder backtest --source
nats://HOST:PORT/STREAM" gives what "ladder backtest --input FILE" gives.`;

/** `ladder publish --input FILE --publish nats://…` */
export async function publishCommand(args: string[], out: (text: string) => void): Promise<number> {
  const { values } = parseCommandLine('publish', {
    args,
    strict: true,
    allowPositionals: false,
    options: optionTable(PUBLISH_COMMAND_SETTINGS),
  });
  if (values.help === true) {
    out(PUBLISH_HELP);
    return 0;
  }
  if (values.input === undefined) throw new ConfigError('--input', 'required: the recording to publish');
  if (values.publish === undefined) throw new ConfigError('--publish', 'required: nats://HOST:PORT[/STREAM]');
  const logger = createPinoLogger({ level: readSettings(PUBLISH_COMMAND_SETTINGS, values)['log-level'] });
  const publisher = await openPublisher(values, '--publish', logger);
  let frames = 0;
  try {
    let last = 0 as Micros;
    for await (const line of readFrameLines(values.input)) {
      if (line.text.length === 0) continue;
      last = receiveTimeOf(line.text, line.recvTime, last);
      publisher.publish(line.text, last);
      frames++;
      // A file is read faster than the server stores: wait for it rather than drop frames.
      if (publisher.stats.inFlight >= 4096) await publisher.flush();
    }
  } catch (error) {
    await publisher.close();
    throw new ConfigError('--input', (error as Error).message);
  }
  await publisher.close();
  const stats = publisher.stats;
  out(JSON.stringify({ published: { frames, ...stats, stream: publisher.description } }));
  return stats.published === frames ? 0 : 1;
}
