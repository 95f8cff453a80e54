import { createWriteStream, existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { createGzip } from 'node:zlib';
import { SyntheticStream } from '../adapters/synthetic/synthetic-stream.ts';
import { ConfigError } from './config.ts';
import { parseCommandLine } from './args.ts';
import { duration, flag, helpLines, int, named, optionTable, readSettings, setting } from './settings.ts';

/** `ladder synth`'s settings, declared as the trading commands' are (run-settings.ts). */
const SYNTH_SETTINGS = {
  out: setting(named('a file'), { arg: 'FILE', help: 'the file to write (required); gzip-compressed when it ends in .gz' }),
  force: flag('replace FILE if it exists (otherwise refused)'),
  duration: setting(duration(), { arg: 'D', help: 'venue time to write, with its unit (e.g. 90s, 15m, 1h; default 150s)' }),
  frames: setting(int(1, 1_000_000_000), { arg: 'N', help: 'or: book frames to write (the snapshot included)' }),
  seed: setting(int(0, 2 ** 32 - 1), { arg: 'S', default: '1', help: "the market's seed, as --source synthetic" }),
  depth: setting(int(1, 1000), { arg: 'N', default: '50', help: 'levels a side, as --source synthetic' }),
  help: flag('this text', 'h'),
};

export const SYNTH_HELP = `ladder synth --out FILE (--duration D | --frames N) [--seed S] [--depth N] [--force]

Writes the synthetic order-flow market exactly as "--source synthetic" plays it: the same frames
(orderbook.{depth} snapshot and deltas every 20 ms, publicTrade frames), each with the receive time the
source gives it, in the recorder's line format ("<µs> <frame>"). A backtest of the file therefore sees the
same events as one of the source with the same seed (give the backtest the same --seed: it also seeds
the simulated exchange). test/fixtures/btcusdt-sample.jsonl comes from the earlier, simpler generator
(adapters/replay/synthetic-frames.ts).

${helpLines(SYNTH_SETTINGS, ['out', 'force', 'duration', 'frames', 'seed', 'depth'])}`;

/** Text gathered before a write: a write a line would dominate. */
const WRITE_CHUNK = 1 << 20;

/** `ladder synth …`: see SYNTH_HELP. */
export async function synthCommand(args: string[], out: (text: string) => void = (text) => console.log(text)): Promise<number> {
  const { values } = parseCommandLine('synth', { args, options: optionTable(SYNTH_SETTINGS), strict: true, allowPositionals: false });
  if (values.help === true) {
    out(SYNTH_HELP);
    return 0;
  }
  const settings = readSettings(SYNTH_SETTINGS, values);
  const { out: file, frames, seed, depth } = settings;
  if (file === undefined) throw new ConfigError('--out', 'required: the file to write');
  if (existsSync(file) && !settings.force) throw new ConfigError('--out', `${file} already exists; pass --force to replace it`);
  if (!existsSync(dirname(file))) throw new ConfigError('--out', `directory not found: ${dirname(file)}`);
  if (frames !== undefined && settings.duration !== undefined) throw new ConfigError('--frames', 'give --frames or --duration, not both');
  // 150 s of venue time unless --frames says how much.
  const durationMs = frames !== undefined ? undefined : (settings.duration ?? 150_000);
  const stream = new SyntheticStream({ market: { seed, depth }, ...(frames === undefined ? {} : { frames }), ...(durationMs === undefined ? {} : { durationMs }) });

  const fileStream = createWriteStream(file);
  const gzip = file.endsWith('.gz') ? createGzip() : null;
  gzip?.pipe(fileStream);
  const sink: Writable = gzip ?? fileStream;
  let lines = 0;
  let text = '';
  const failed = new Promise<never>((_, reject) => {
    const fail = (error: Error): void => reject(new ConfigError('--out', `cannot write ${file}: ${error.message}`));
    fileStream.once('error', fail);
    gzip?.once('error', fail);
  });
  const flush = async (): Promise<void> => {
    if (!sink.write(text)) await Promise.race([once(sink, 'drain'), failed]);
    text = '';
  };
  while (!stream.done) {
    for (const frame of stream.step()) {
      text += `${frame.recvTime} ${frame.text}\n`;
      lines++;
    }
    if (text.length >= WRITE_CHUNK) await flush();
  }
  await flush();
  sink.end();
  await Promise.race([once(fileStream, 'close'), failed]);
  out(`wrote ${lines} frames (seed ${seed}) to ${file}`);
  return 0;
}
