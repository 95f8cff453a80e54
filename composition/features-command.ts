import { existsSync, statSync } from 'node:fs';
import { open, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import { exportFeatures, exportSelection, horizonLabel, REQUIRED_FEATURES, type ExportPosition, type ExportSummary } from '../application/feature-export.ts';
import { renderFeatureTable } from '../application/feature-docs.ts';
import type { ExportLabels } from '../application/ports/feature-sink.ts';
import { HorizonSupportSink } from '../application/horizon-support.ts';
import type { MarketDataFeed } from '../application/ports/market-data-feed.ts';
import { silentLogger, type Logger } from '../application/ports/logger.ts';
import type { FeatureDefinition } from '../domain/features/definitions.ts';
import { roundTripDeadZoneBps, TRAINING_HORIZONS_MICROS } from '../domain/features/labels.ts';
import { describeSelectionError, type FeatureSelection } from '../domain/features/registry.ts';
import { BTCUSDT_SPEC, createInstrument, type Instrument } from '../domain/values/instrument.ts';
import { unwrap } from '../domain/result.ts';
import { scanningDecoder } from '../adapters/bybit/frame-decoder.ts';
import { SystemClock } from '../adapters/clock/system-clock.ts';
import { CsvFeatureSink, OutputExistsError, outputConflict, schemaPathOf } from '../adapters/export/csv-sink.ts';
import { ParquetFeatureSink } from '../adapters/export/parquet-sink.ts';
import { ProgressBar } from '../adapters/export/progress-bar.ts';
import { createPinoLogger } from '../adapters/log/pino-logger.ts';
import { FileReplayFeed } from '../adapters/replay/file-feed.ts';
import { withSymbol } from '../adapters/replay/input-format.ts';
import { SyntheticFeed } from '../adapters/synthetic/synthetic-feed.ts';
import { openNatsSource } from './nats-source.ts';
import { ConfigError, durationFlag } from './config.ts';
import { duration, flag, fromResult, helpLines, int, oneOf, optionTable, readSettings, setting, text, type Setting, type SettingValues } from './settings.ts';
import { inputInstrument, replayInputs, type ReplayInputs } from './inputs.ts';
import { checkInputFile, checkWritable, noUsableFrame, prescanInput } from './input-check.ts';
import { EXIT, printable } from './user-error.ts';
import { parseCommandLine } from './args.ts';
import { formatExportSummary } from './export-summary.ts';

/** Bybit's non-VIP linear taker fee, ppm: the default dead zone covers its round trip (11 bps). */
const TAKER_PPM = 550;

/** A non-negative number of basis points, as `--dead-zone-bps` takes it. */
function readBps(text: string): { ok: true; value: number } | { ok: false; error: string } {
  const n = Number(text);
  return /^\d+(\.\d+)?$/.test(text) && Number.isFinite(n) ? { ok: true, value: n } : { ok: false, error: `"${text}" is not a non-negative number of basis points` };
}

/** `ladder features`' settings, declared as the trading commands' are (run-settings.ts). */
const FEATURES_SETTINGS = {
  input: {
    type: 'string',
    multiple: true,
    schema: z.array(z.string()).optional(),
    arg: 'FILE…',
    help: 'recorded frames: recorder lines, bare frame lines, a Bybit dump (gzip, zip) or a Binance USD-M or spot capture; several files or a glob in order are one stream',
  } as Setting<z.ZodOptional<z.ZodArray<z.ZodString>>> & { readonly multiple: true },
  source: setting(text(), { arg: 'S', help: 'replay (with --input, the default), synthetic (the offline market), or a JetStream stream nats://HOST:PORT/STREAM (its first frame to its last; see docs/scale-out.md)' }),
  seed: setting(int(0, 2 ** 32 - 1), { arg: 'N', default: '1', help: 'synthetic market seed' }),
  frames: setting(int(1, 1_000_000_000), { arg: 'N', help: 'synthetic: stop after N order-book frames' }),
  duration: setting(duration(), { arg: 'D', help: 'synthetic: stop after D of venue time (e.g. 90s, 15m, 1h)' }),
  out: setting(text(), {
    arg: 'FILE',
    help: 'the file to write: Apache Parquet when it ends in .parquet, CSV otherwise; FILE.schema.json is written beside it. Rows go to FILE.partial first and are renamed at the end, so FILE is always complete',
  }),
  force: flag('replace an existing FILE (otherwise refused)'),
  labels: flag('add forward-return labels for each horizon'),
  horizons: setting(text(), { arg: 'LIST', help: 'label horizons (default 5s,30s,2m,5m, as ladder train); needs --labels' }),
  'min-windows': setting(int(0, 1_000_000), {
    arg: 'N',
    default: '10',
    help: "a horizon needs N non-overlapping windows in the data's span of venue time, else its columns are dropped with a line saying so (0 keeps every horizon). Rows are held in memory until the span reaches N × the longest horizon",
  }),
  'dead-zone-bps': setting(fromResult(readBps), {
    arg: 'X',
    default: String(roundTripDeadZoneBps(TAKER_PPM)),
    help: `a return within ±X bps is class 0; needs --labels. The default covers a taker round trip of ${TAKER_PPM} ppm a side`,
  }),
  groups: setting(text(), { arg: 'LIST', help: 'feature groups to compute: book, flow, price, regime (default: every feature)' }),
  features: setting(text(), { arg: 'LIST', help: 'single features, in this order unless --groups is also given (then the union)' }),
  depth: setting(int(1, 10_000), { arg: 'N', help: 'keep the best N levels a side (default: every level sent; 50 for synthetic)' }),
  quiet: flag('no progress on standard error'),
  'log-level': setting(oneOf(['debug', 'info', 'warn', 'error']), { arg: 'LEVEL', help: 'book warnings on standard error: debug, info, warn, error (default: none)' }),
  list: flag('print the feature table (markdown) of the selection, or of every feature, and exit'),
  help: flag('this text', 'h'),
};

export const FEATURES_HELP = `ladder features — export feature vectors (and training labels) to CSV or Parquet

Usage: ladder features (--input FILE | --source synthetic [--seed N] (--frames N | --duration D))
                       --out FILE.csv|FILE.parquet [--labels] [flags]

Flags:
${helpLines(FEATURES_SETTINGS, Object.keys(FEATURES_SETTINGS).filter((k) => k !== 'help'))}

Columns: ts (venue time, ms), recv_ts (receive time, ms), schema_id, warm (1 once every feature has
had its warm-up), one column per feature, then with --labels for each horizon h: label_ret_{h}_bps,
label_class_{h} (-1, 0, 1; empty where not reached) and label_reached_{h} (1/0). One row per book frame
applied while the book is LIVE. ${REQUIRED_FEATURES.join(', ')} are always exported: a --groups or
--features selection without them gets them added. Numbers read back bit for bit; an empty cell is no
value. See docs/features.md.`;

const OPTIONS = optionTable(FEATURES_SETTINGS);

/** The flags as parsed: absent ones undefined, so that a flag given where it does not belong is told. */
type Given = Readonly<Partial<Record<keyof typeof FEATURES_SETTINGS, unknown>>>;
/** The flags read to their types, defaults filled in. */
type Values = SettingValues<typeof FEATURES_SETTINGS>;

/** `ladder features …`: see FEATURES_HELP. Writes results to `out`, progress to standard error. */
export async function featuresCommand(args: string[], out: (text: string) => void): Promise<number> {
  const { values: parsed, positionals } = parseCommandLine('features', { args, options: OPTIONS, strict: true, allowPositionals: true });
  if (positionals.length > 0 && parsed.input === undefined) throw new ConfigError('--input', `"${positionals[0]}" given without --input`);
  const given: Given = { ...parsed, input: parsed.input === undefined ? undefined : [...parsed.input, ...positionals] };
  if (given.help === true) {
    out(FEATURES_HELP);
    return 0;
  }
  const { definitions, added } = selection(parsed.groups, parsed.features);
  if (given.list === true) {
    out(renderFeatureTable(definitions));
    return 0;
  }
  const source = parsed.source ?? (given.input === undefined ? undefined : 'replay');
  belongs(given, source);
  const values = readSettings(FEATURES_SETTINGS, given);
  const labels = labelFlags(values);
  const target = outFlag(values);
  const inputs = values.input === undefined ? null : replayInputs(values.input);
  const linear = unwrap(createInstrument(BTCUSDT_SPEC));
  const instrument = inputs === null ? linear : inputInstrument(inputs.format, linear);
  const chosen = values.source?.startsWith('nats://') === true
    ? { feed: await openNatsSource(values.source, instrument), depth: null, fraction: (): null => null }
    : sourceFlags(source, values, instrument, inputs);
  if (inputs !== null) await prescanInput('--input', inputs.paths[0]);
  await checkWritable('--out', `${target}.partial`);
  const logLevel = values['log-level'];
  const logger: Logger = logLevel === undefined ? silentLogger : createPinoLogger({ level: logLevel });

  // Progress only on a terminal: piped or logged, standard error keeps to what went wrong.
  const bar = new ProgressBar(process.stderr, { quiet: values.quiet || process.stderr.isTTY !== true });
  const force = values.force;
  const file = target.endsWith('.parquet') ? new ParquetFeatureSink(target, { force }) : new CsvFeatureSink(target, { force });
  // Horizons the data cannot support are dropped, as ladder train drops those its holdout cannot judge.
  const minWindows = labels === null ? 0 : values['min-windows'];
  const support = minWindows === 0 ? null : new HorizonSupportSink(file, minWindows);
  const sink = support ?? file;
  let summary: ExportSummary;
  try {
    summary = await exportFeatures(
      { feed: chosen.feed, sink, clock: new SystemClock(), logger },
      { instrument, bookDepth: chosen.depth, definitions, labels, onProgress: (p) => bar.update(p), fraction: chosen.fraction },
    );
  } catch (error) {
    if (error instanceof OutputExistsError) throw new ConfigError('--out', error.message);
    throw error;
  }
  bar.done({ frames: summary.frames, rows: summary.rows, fraction: 1 });
  if (values.input !== undefined && summary.bookFrames === 0) {
    await Promise.all([rm(target, { force: true }), rm(schemaPathOf(target), { force: true })]);
    throw noUsableFrame('--input', values.input.join(' '), summary.frames, summary.malformed);
  }
  const kept = support?.support ?? null;
  out(formatExportSummary(summary, { out: target, definitions, added, labels: labels === null || kept === null ? labels : { ...labels, horizonsMicros: kept.kept }, support: kept, minWindows }));
  const incomplete = (chosen.feed as MarketDataFeed).incomplete ?? null;
  if (incomplete !== null) {
    console.error(`ladder: --input: ${printable(incomplete, 300)}; the rows of every frame before the cut were written`);
    return EXIT.inputCut;
  }
  return EXIT.completed;
}

/** The features to compute, from `--groups` and `--features`; an unknown name stops naming its flag. */
function selection(groups: string | undefined, features: string | undefined): { definitions: readonly FeatureDefinition[]; added: readonly string[] } {
  const list = (text: string | undefined): string[] | undefined =>
    text === undefined ? undefined : text.split(',').map((s) => s.trim()).filter((s) => s !== '');
  const chosen: FeatureSelection = { groups: list(groups) ?? [], features: list(features) ?? [] };
  const result = exportSelection(chosen);
  if (!result.ok) throw new ConfigError(result.error.kind === 'UnknownGroup' ? '--groups' : '--features', describeSelectionError(result.error));
  return result.value;
}

/** A flag given where it does not belong is told so before its value is read: the label flags without --labels, the synthetic market's with a replay. */
function belongs(given: Given, source: string | undefined): void {
  if (given.labels !== true) {
    for (const flag of ['horizons', 'dead-zone-bps', 'min-windows'] as const) {
      if (given[flag] !== undefined) throw new ConfigError(`--${flag}`, 'only goes with --labels');
    }
  }
  if (source === 'replay') {
    for (const flag of ['seed', 'frames', 'duration'] as const) {
      if (given[flag] !== undefined) throw new ConfigError(`--${flag}`, 'only goes with --source synthetic');
    }
  }
}

function labelFlags(values: Values): ExportLabels | null {
  if (!values.labels) return null;
  const horizonsMicros = values.horizons === undefined ? TRAINING_HORIZONS_MICROS : horizonsFlag(values.horizons);
  return { horizonsMicros, deadZoneBps: values['dead-zone-bps'] };
}

/** `1s,5s,30s`: durations as `--duration` takes them, strictly increasing once sorted, in µs. */
export function horizonsFlag(text: string): number[] {
  const parts = text.split(',').map((s) => s.trim());
  if (parts.some((p) => p === '')) throw new ConfigError('--horizons', `"${text}" is not a comma-separated list like 1s,5s,30s`);
  const micros = parts.map((p) => durationFlag('--horizons', p) * 1000).sort((a, b) => a - b);
  micros.forEach((h, i) => {
    if (i > 0 && h === micros[i - 1]) throw new ConfigError('--horizons', `${horizonLabel(h)} is given twice`);
  });
  return micros;
}

function outFlag(values: Values): string {
  const target = values.out;
  if (target === undefined) throw new ConfigError('--out', 'required: the CSV or .parquet file to write');
  if (existsSync(target) && statSync(target).isDirectory()) throw new ConfigError('--out', `${target} is a directory`);
  const dir = dirname(target);
  if (!existsSync(dir)) throw new ConfigError('--out', `directory not found: ${dir}`);
  const conflict = outputConflict(target, values.force);
  if (conflict !== null) throw new ConfigError('--out', `${conflict} already exists; pass --force to replace it`);
  return target;
}

interface SourceChoice {
  readonly feed: MarketDataFeed;
  readonly depth: number | null;
  readonly fraction: (position: ExportPosition) => number | null;
}

function sourceFlags(source: string | undefined, values: Values, instrument: Instrument, inputs: ReplayInputs | null): SourceChoice {
  const clock = new SystemClock();
  const decoder = scanningDecoder(instrument);
  const depthFlag = values.depth;
  if (source === 'replay') {
    if (inputs === null) throw new ConfigError('--input', 'required with --source replay: a file of recorded frames');
    for (const path of inputs.paths) checkInputFile('--input', path);
    const estimate = new LineEstimate(inputs.paths[0]);
    const feed = new FileReplayFeed(inputs.paths, clock, { decoder, format: withSymbol(inputs.format, instrument.symbol) });
    return { feed, depth: depthFlag ?? null, fraction: (p) => (inputs.paths.length > 1 ? null : estimate.fraction(p.frames)) };
  }
  if (source === 'synthetic') {
    if (values.input !== undefined) throw new ConfigError('--input', 'only goes with --source replay, not --source synthetic');
    const { seed, frames, duration: durationMs } = values;
    if (frames === undefined && durationMs === undefined) throw new ConfigError('--frames', 'the synthetic market never ends: give --frames N or --duration D');
    const depth = depthFlag ?? 50;
    const feed = new SyntheticFeed(
      { market: { seed, symbol: instrument.symbol, depth }, decoder, ...(frames === undefined ? {} : { frames }), ...(durationMs === undefined ? {} : { durationMs }) },
      clock,
    );
    const fraction = (p: ExportPosition): number => {
      const byFrames = frames === undefined ? 0 : p.bookFrames / frames;
      const byTime = durationMs === undefined ? 0 : p.venueElapsedMicros / (durationMs * 1000);
      return Math.min(1, Math.max(byFrames, byTime));
    };
    return { feed, depth, fraction };
  }
  if (source === undefined) throw new ConfigError('--input', 'required: a file of recorded frames (or --source synthetic)');
  throw new ConfigError('--source', `"${source}" is not replay or synthetic`);
}

/**
 * The share of a frame file read, estimated from frame count: the file feed does not report bytes, so
 * the line count is guessed from the mean length of the first MiB's lines. Plain text files only; a
 * compressed file gives null (its size says little about its lines).
 */
class LineEstimate {
  private lines: number | null = null;

  constructor(path: string) {
    void this.measure(path).catch(() => undefined);
  }

  fraction(frames: number): number | null {
    return this.lines === null ? null : Math.min(1, frames / this.lines);
  }

  private async measure(path: string): Promise<void> {
    const size = statSync(path).size;
    const handle = await open(path, 'r');
    try {
      const head = Buffer.alloc(Math.min(size, 1 << 20));
      const { bytesRead } = await handle.read(head, 0, head.length, 0);
      if (bytesRead < 4 || (head[0] === 0x1f && head[1] === 0x8b) || (head[0] === 0x50 && head[1] === 0x4b)) return;
      let newlines = 0;
      for (let i = head.indexOf(10); i !== -1 && i < bytesRead; i = head.indexOf(10, i + 1)) newlines++;
      if (newlines > 0) this.lines = Math.max(1, Math.round((size * newlines) / bytesRead));
    } finally {
      await handle.close();
    }
  }
}
