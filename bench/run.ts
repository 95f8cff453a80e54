import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { BTCUSDT_SPEC, createInstrument } from '../domain/values/instrument.ts';
import { unwrap } from '../domain/result.ts';
import { benchBook } from './book-bench.ts';
import { benchLoop } from './loop-bench.ts';
import { benchReplay } from './replay-bench.ts';
import { benchSynthetic } from './synthetic-bench.ts';
import { benchHht } from './hht-bench.ts';
import { benchFeatures, syntheticEvents } from './feature-bench.ts';
import { benchExport } from './export-bench.ts';
import { benchInference } from './inference-bench.ts';
import { benchTrain } from './train-bench.ts';
import { benchBacktest } from './backtest-bench.ts';
import { benchDecision, benchDecisionSlowVenue } from './decision-bench.ts';
import { writeSyntheticFile, type RatioBench, type RatioStore } from './ratio-bench.ts';
import { SimExchange } from '../adapters/sim/sim-exchange.ts';
import { executionSettings } from '../composition/execution-settings.ts';
import type { Lots } from '../domain/values/units.ts';
import { BYBIT_LINEAR_FEES } from '../domain/trading/fees.ts';
import { FEATURES } from '../domain/features/definitions.ts';
import { parseBybitFrame } from '../adapters/bybit/parse.ts';
import { benchScript, root } from './root.ts';
import { benchStartup, type StartupFigures } from './startup-bench.ts';
import type { Micros } from '../domain/values/units.ts';

type Figures = Record<string, { value: number; unit: string }>;

const capture = `${root}../shared/data/bybit/linear-BTCUSDT-orderbook200-trades-tickers.jsonl`;
const sample = `${root}test/fixtures/btcusdt-sample.jsonl`;
const instrument = unwrap(createInstrument(BTCUSDT_SPEC));
const figures: Figures = {};
const round = (n: number, digits = 0): number => Number(n.toFixed(digits));

// `npm run bench -- soak [hours]`: the soak alone; `npm run bench -- soak-live [minutes] [fault every s]` (60 min by default): app:live
// against the local Bybit v5 servers with faults, in real time; `npm run bench -- ratio`: the backtest-path ratios alone;
// `npm run bench -- startup [duration]`: start-up and memory of whole processes alone (bench/startup-bench.ts).
const mode = process.argv[2];
if (mode === 'soak') {
  Object.assign(figures, await soakInItsOwnProcess(process.argv[3] ?? '24', 'soak-main', process.argv[4] ?? process.env.SOAK_DB ?? 'pglite'));
  console.log(JSON.stringify(figures));
  process.exit(0);
}
if (mode === 'soak-live') {
  Object.assign(figures, await soakInItsOwnProcess(process.argv[3] ?? process.env.SOAK_LIVE_MINUTES ?? '60', 'soak-live-main', process.argv[4] ?? process.env.SOAK_LIVE_FAULT_EVERY_S ?? '60'));
  console.log(JSON.stringify(figures));
  process.exit(0);
}
if (mode === 'startup') {
  Object.assign(figures, await startup(process.argv[3]));
  console.log(JSON.stringify(figures));
  process.exit(0);
}
if (mode === 'ratio') {
  Object.assign(figures, await ratios());
  console.log(JSON.stringify(figures));
  process.exit(0);
}

if (existsSync(capture)) {
  const text = readFileSync(capture, 'utf8');
  const book = benchBook(text);
  console.log(`book: ${book.frames} book frames of the Bybit capture: JSON path ${round(book.bookFramesPerSec)} frames/s, scanner path ${round(book.scannerFramesPerSec)} frames/s (${round(book.levelUpdatesPerSec)} level updates/s), JSON.parse alone ${round(book.jsonParsePerSec)} frames/s`);
  figures.book_frames_per_sec = { value: round(book.bookFramesPerSec), unit: 'frames/s' };
  figures.json_parse_per_sec = { value: round(book.jsonParsePerSec), unit: 'frames/s' };
  figures.scanner_frames_per_sec = { value: round(book.scannerFramesPerSec), unit: 'frames/s' };
  figures.scanner_to_json_parse = { value: round(book.scannerToJsonParse, 2), unit: '×' };
  const replay = benchReplay(text, instrument);
  console.log(`replay: text → decoder → book + integrity (LIVE) → best bid/ask: ${round(replay.framesPerSec)} frames/s, ${round(replay.levelUpdatesPerSec)} level updates/s; JSON.parse alone ${round(replay.jsonParsePerSec)} frames/s (${round(replay.framesPerSec / replay.jsonParsePerSec, 2)}×)`);
  figures.replay_frames_per_sec = { value: round(replay.framesPerSec), unit: 'frames/s' };
  figures.replay_level_updates_per_sec = { value: round(replay.levelUpdatesPerSec), unit: 'levels/s' };
  figures.replay_to_json_parse = { value: round(replay.framesPerSec / replay.jsonParsePerSec, 2), unit: '×' };
} else {
  console.log(`book and replay: skipped, ${capture} is absent (the shared captures sit beside the repository)`);
}

const synthetic = benchSynthetic();
console.log(`synthetic market: ${round(synthetic.framesPerSec)} frames/s generated (${round(synthetic.bookFramesPerSec)} of them book frames)`);
figures.synthetic_frames_per_sec = { value: round(synthetic.framesPerSec), unit: 'frames/s' };

const hht = benchHht();
console.log(`HHT: EMD + Hilbert features of a 1,024-sample mid window: ${round(hht.medianMs, 3)} ms median, ${round(hht.p99Ms, 3)} ms p99 (goal ≤ 2 ms)`);
figures.hht_window_1024_median_ms = { value: round(hht.medianMs, 3), unit: 'ms' };
figures.hht_window_1024_p99_ms = { value: round(hht.p99Ms, 3), unit: 'ms' };

const events = syntheticEvents(60_000);
const all = benchFeatures(events, instrument, FEATURES);
console.log(`features: all ${FEATURES.length} per book event of the synthetic market (50 levels, trades between): ${round(all.medianMicros, 2)} µs median, ${round(all.p99Micros, 1)} µs p99, ${round(all.meanMicros, 2)} µs mean over ${all.bookEvents} events (goal ≤ 5 µs median); the HHT refreshed ${all.hhtRefreshes} times`);
figures.features_all_median_us = { value: round(all.medianMicros, 2), unit: 'µs' };
figures.features_all_p99_us = { value: round(all.p99Micros, 1), unit: 'µs' };
const noRegime = benchFeatures(events, instrument, FEATURES.filter((f) => f.group !== 'regime'));
console.log(`features: all but the HHT regime group: ${round(noRegime.medianMicros, 2)} µs median, ${round(noRegime.p99Micros, 1)} µs p99`);
figures.features_no_regime_median_us = { value: round(noRegime.medianMicros, 2), unit: 'µs' };
figures.features_no_regime_p99_us = { value: round(noRegime.p99Micros, 1), unit: 'µs' };

if (existsSync(capture)) {
  const real = readFileSync(capture, 'utf8').split('\n').filter((l) => l.length > 0).map((l) => parseBybitFrame(l, 0 as Micros));
  const deep = benchFeatures(real, instrument, FEATURES, 20);
  console.log(`features: all ${FEATURES.length} per book event of the real Bybit capture (200 levels a side): ${round(deep.medianMicros, 2)} µs median, ${round(deep.p99Micros, 1)} µs p99 over ${deep.bookEvents} events`);
  figures.features_all_capture_median_us = { value: round(deep.medianMicros, 2), unit: 'µs' };
  figures.features_all_capture_p99_us = { value: round(deep.p99Micros, 1), unit: 'µs' };
}

const exported = await benchExport(sample, instrument);
console.log(`export: ladder features on the sample, all features, labels, CSV to a temporary file: ${round(exported.rowsPerSec)} rows/s (${exported.rows} rows)`);
figures.export_rows_per_sec = { value: round(exported.rowsPerSec), unit: 'rows/s' };

const loop = await benchLoop(sample, `${root}models/baseline`, instrument);
console.log(`loop: sample through book, features, ONNX model, risk, simulated fills and writer: ${round(loop.framesPerSec)} frames/s, ${round(loop.meanMicrosPerFrame, 1)} µs a frame`);
figures.paper_loop_frames_per_sec = { value: round(loop.framesPerSec), unit: 'frames/s' };
figures.paper_loop_mean_us_per_frame = { value: round(loop.meanMicrosPerFrame, 1), unit: 'µs' };

for (const [name, key] of [['synthetic-gbdt', 'gbdt'], ['baseline', 'baseline']] as const) {
  const inference = await benchInference(`${root}models/${name}`);
  console.log(`inference: models/${name} through the model port, one row: ${round(inference.singleP50Us, 1)} µs p50, ${round(inference.singleP99Us, 1)} µs p99 (goal p50 ≤ 20 µs); batches of ${inference.batchSize}: ${round(inference.batchRowsPerSec)} rows/s`);
  figures[`inference_${key}_p50_us`] = { value: round(inference.singleP50Us, 1), unit: 'µs' };
  figures[`inference_${key}_p99_us`] = { value: round(inference.singleP99Us, 1), unit: 'µs' };
  figures[`inference_${key}_batch_rows_per_sec`] = { value: round(inference.batchRowsPerSec), unit: 'rows/s' };
}

const backtest = await benchBacktest(
  `${root}models/synthetic-gbdt`,
  instrument,
  () => new SimExchange({ instrument, fees: BYBIT_LINEAR_FEES, latency: { feedMicros: 5_000, orderMicros: 10_000 }, seed: 7 }),
  executionSettings({ policy: 'smart', capitalUsdt: 100_000, maxPositionLots: 1000 as Lots, threshold: 0.5362 }),
);
console.log(`backtest: an hour of the synthetic market (orderbook.50 and trades), ${backtest.bookFrames} book frames of ${backtest.frames} events, through the default model, the smart policy and the simulated exchange with latency and queues: ${round(backtest.seconds, 1)} s, ${round(backtest.bookFramesPerSec)} book frames/s, ${backtest.orders} orders (goal ≤ 10 s)`);
figures.backtest_hour_seconds = { value: round(backtest.seconds, 2), unit: 's' };
figures.backtest_book_frames_per_sec = { value: round(backtest.bookFramesPerSec), unit: 'frames/s' };

const decision = await benchDecision(
  `${root}models/synthetic-gbdt`,
  instrument,
  () => new SimExchange({ instrument, fees: BYBIT_LINEAR_FEES, latency: { feedMicros: 5_000, orderMicros: 10_000 }, seed: 7 }),
  executionSettings({ policy: 'smart', capitalUsdt: 100_000, maxPositionLots: 1000 as Lots, threshold: 0.5362 }),
);
for (const [label, key, d] of [['tracing off', 'off', decision.off], ['tracing on, every tick', 'traced_all', decision.all], ['tracing on, rate 0.01', 'traced_sampled', decision.sampled]] as const) {
  console.log(`tick to decision in the paper loop (synthetic market, models/synthetic-gbdt, smart policy, simulated exchange), ${label}: ${d.p50Us} µs p50, ${d.p99Us} µs p99 over ${d.ticks} ticks that reached inference, ${d.orders} orders, ${d.spans} spans exported (goal p99 ≤ 1 ms)`);
  figures[`tick_to_decision_${key}_p50_us`] = { value: d.p50Us, unit: 'µs' };
  figures[`tick_to_decision_${key}_p99_us`] = { value: d.p99Us, unit: 'µs' };
}

const slow = await benchDecisionSlowVenue(
  `${root}models/synthetic-gbdt`,
  instrument,
  executionSettings({ policy: 'smart', capitalUsdt: 100_000, maxPositionLots: 1000 as Lots, threshold: 0.5362 }),
);
console.log(`tick to decision in the paper loop with a venue that answers ${slow.answerMs} ms late, behind the outbox: ${slow.p50Us} µs p50, ${slow.p99Us} µs p99 over ${slow.ticks} ticks that reached inference, ${slow.orders} orders, ${slow.unanswered} requests unanswered at the end (goal p99 ≤ 1 ms)`);
figures.tick_to_decision_slow_venue_p50_us = { value: slow.p50Us, unit: 'µs' };
figures.tick_to_decision_slow_venue_p99_us = { value: slow.p99Us, unit: 'µs' };

const training = benchTrain();
console.log(`training: ${training.rows} rows × ${training.features} features, ${training.rounds} rounds of ${training.leaves} leaves: ${round(training.seconds, 1)} s (${round(training.rowsPerSecond)} rows × rounds/s)`);
figures.train_1m_x_60_seconds = { value: round(training.seconds, 1), unit: 's' };

Object.assign(figures, await storeInItsOwnProcess());
Object.assign(figures, await ratios());
Object.assign(figures, await startup());

console.log(JSON.stringify(figures));

/** Start-up times and peak memory of whole `ladder` processes, each also over a bare `node -e 0` of this run. */
async function startup(duration?: string): Promise<Figures> {
  const s: StartupFigures = await benchStartup(duration === undefined ? {} : { backtestDuration: duration });
  const length = duration ?? '10m';
  const t = (label: string, x: { seconds: number; ratio: number }, goal: string): void =>
    console.log(`start-up: ${label}: ${round(x.seconds, 3)} s, ${round(x.ratio, 1)}× a bare node -e 0 (goal ${goal})`);
  console.log(`start-up: running ${s.running}; a bare node -e 0: ${round(s.bare.seconds, 3)} s, peak RSS ${round(s.bare.mib)} MiB (medians)`);
  t('ladder --help to its exit', s.help, '≤ 0.3 s');
  t('ladder doctor, offline (every address a closed local port, the embedded store), to its verdict', s.doctor, '≤ 2 s');
  t('app:paper --source synthetic --db none, spawn to the first frame ("book LIVE")', s.firstFrameNoStore, '≤ 1.5 s');
  t('app:paper --source synthetic on the embedded store (pglite:./data/ladder), spawn to the first frame', s.firstFrameStore, '≤ 1.5 s');
  const backtests = [
    ['--db none', s.backtestNoStore, ' (goal ≤ 300 MiB)'],
    ['the embedded store, pglite:./data/ladder as it exists after a first run', s.backtestStore, ''],
    ['an embedded store in a new directory (PGlite creates it first)', s.backtestNewStore, ''],
  ] as const;
  for (const [label, p, goal] of backtests) {
    console.log(`memory: ladder backtest --source synthetic --duration ${length} with ${label}: peak RSS ${round(p.mib)} MiB, ${round(p.ratio, 1)}× a bare node's, in ${round(p.seconds, 1)} s${goal}`);
  }
  console.log(`memory: the embedded store's own cost: ${round(s.backtestStore.mib - s.backtestNoStore.mib)} MiB of peak RSS (${round(s.backtestNewStore.mib - s.backtestNoStore.mib)} MiB when it is created)`);
  return {
    node_bare_seconds: { value: round(s.bare.seconds, 3), unit: 's' },
    help_seconds: { value: round(s.help.seconds, 3), unit: 's' },
    help_to_bare_node: { value: round(s.help.ratio, 2), unit: '×' },
    doctor_offline_seconds: { value: round(s.doctor.seconds, 3), unit: 's' },
    doctor_offline_to_bare_node: { value: round(s.doctor.ratio, 2), unit: '×' },
    paper_first_frame_no_store_seconds: { value: round(s.firstFrameNoStore.seconds, 3), unit: 's' },
    paper_first_frame_no_store_to_bare_node: { value: round(s.firstFrameNoStore.ratio, 2), unit: '×' },
    paper_first_frame_store_seconds: { value: round(s.firstFrameStore.seconds, 3), unit: 's' },
    paper_first_frame_store_to_bare_node: { value: round(s.firstFrameStore.ratio, 2), unit: '×' },
    backtest_no_store_peak_rss_mib: { value: round(s.backtestNoStore.mib), unit: 'MiB' },
    backtest_no_store_peak_rss_to_bare_node: { value: round(s.backtestNoStore.ratio, 2), unit: '×' },
    backtest_store_peak_rss_mib: { value: round(s.backtestStore.mib), unit: 'MiB' },
    embedded_store_peak_rss_cost_mib: { value: round(s.backtestStore.mib - s.backtestNoStore.mib), unit: 'MiB' },
    backtest_new_store_peak_rss_mib: { value: round(s.backtestNewStore.mib), unit: 'MiB' },
    new_embedded_store_peak_rss_cost_mib: { value: round(s.backtestNewStore.mib - s.backtestNoStore.mib), unit: 'MiB' },
  };
}

/**
 * The whole backtest path (`ladder backtest --input`, smart policy, default model) over a synthetic
 * hour and over the real Binance capture, each against JSON.parse on the same frames, in frames per
 * CPU-second (bench/ratio-bench.ts). Each in a fresh process, as `ladder backtest` runs: not in a heap
 * and a compiler state that the benches before it left behind.
 */
async function ratios(): Promise<Figures> {
  const out: Figures = {};
  const dir = mkdtempSync(join(tmpdir(), 'ladder-ratio-'));
  try {
    const file = join(dir, 'synthetic-hour.jsonl');
    await writeSyntheticFile(file, 7, 60);
    const r = await ratioInItsOwnProcess([file], 'none');
    console.log(`backtest path / JSON.parse: an hour of the synthetic market (seed 7, ${r.frames} frames) through ladder backtest --input --db none, smart policy: ${round(r.pathFramesPerSec)} frames/CPU-s against JSON.parse's ${round(r.jsonParsePerSec)}: ${round(r.ratio, 3)} (whole run with start-up ${round(r.runFramesPerSec)} frames/CPU-s; ${r.orders} orders, ${r.fills} fills)`);
    out.backtest_to_json_parse_synthetic = { value: round(r.ratio, 3), unit: '×' };
    out.backtest_path_synthetic_frames_per_cpu_sec = { value: round(r.pathFramesPerSec), unit: 'frames/s' };
    // The same hour with every row through the embedded database: what a run that stores pays.
    const p = await ratioInItsOwnProcess([file], 'pglite:memory');
    console.log(`backtest path / JSON.parse: the same hour with --db pglite:memory (the embedded database, rows written through its SQL): ${round(p.pathFramesPerSec)} frames/CPU-s against JSON.parse's ${round(p.jsonParsePerSec)}: ${round(p.ratio, 3)} (whole run with start-up ${round(p.runFramesPerSec)} frames/CPU-s)`);
    out.backtest_to_json_parse_synthetic_pglite = { value: round(p.ratio, 3), unit: '×' };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const binance = [`${root}../shared/data/binance/usdm-btcusdt-20240718.gz`, `${root}../shared/data/binance/usdm-btcusdt-20240719.gz`];
  if (binance.every((f) => existsSync(f))) {
    const r = await ratioInItsOwnProcess(binance, 'none');
    console.log(`backtest path / JSON.parse: the 480 s Binance USD-M capture (${r.frames} frames, across midnight) through ladder backtest --input --db none: ${round(r.pathFramesPerSec)} frames/CPU-s against JSON.parse's ${round(r.jsonParsePerSec)}: ${round(r.ratio, 3)} (${r.orders} orders, ${r.fills} fills)`);
    out.backtest_to_json_parse_binance = { value: round(r.ratio, 3), unit: '×' };
  } else {
    console.log('backtest path / JSON.parse on the Binance capture: skipped, ../shared/data/binance is absent');
  }
  return out;
}

/** One `benchRatio` in a fresh process (bench/ratio-main.ts --input FILE… --db STORE): its one line of figures. */
async function ratioInItsOwnProcess(paths: readonly string[], db: RatioStore): Promise<RatioBench> {
  const child = spawn(process.execPath, [...benchScript('ratio-main'), '--input', ...paths, '--db', db], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  let last = '';
  for await (const line of createInterface({ input: child.stdout })) last = line;
  const code = await new Promise<number | null>((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.once('exit', resolve)));
  if (code !== 0) throw new Error(`the ratio bench (--db ${db}) failed (exit code ${code})`);
  return JSON.parse(last) as RatioBench;
}

/** A soak (bench/soak-main.ts, or `main`) in a fresh process with --expose-gc; its lines printed as they come, the last is its figures. */
async function soakInItsOwnProcess(length: string, main = 'soak-main', ...more: string[]): Promise<Figures> {
  const child = spawn(process.execPath, ['--expose-gc', ...benchScript(main), length, ...more], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  let last = '';
  let lastAt = 0;
  for await (const line of createInterface({ input: child.stdout })) {
    if (last !== '') console.log(last);
    last = line;
    lastAt = performance.now();
  }
  const code = await new Promise<number | null>((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.once('exit', resolve)));
  // A timer or socket left behind keeps a process alive: how long it took to exit once done says so.
  console.log(`soak: the process exited ${round(performance.now() - lastAt)} ms after its last line, code ${code}`);
  return JSON.parse(last) as Figures;
}

/**
 * The store bench in a fresh process, so that its read tails do not depend on what the benches before
 * it left in this process's heap. Its lines are printed as they come; the last is its figures.
 */
async function storeInItsOwnProcess(): Promise<Figures> {
  const child = spawn(process.execPath, benchScript('store-main'), { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  let last = '';
  for await (const line of createInterface({ input: child.stdout })) {
    if (last !== '') console.log(last);
    last = line;
  }
  const code = await new Promise<number | null>((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.once('exit', resolve)));
  if (code !== 0) throw new Error(`the store bench failed (exit code ${code})`);
  return JSON.parse(last) as Figures;
}
