import { parseArgs } from 'node:util';
import { writeBaselineModel } from '../adapters/onnx/baseline.ts';
import { createStore } from '../adapters/postgres/connect.ts';
import { writeFileSync } from 'node:fs';
import { generateSyntheticFrames } from '../adapters/replay/synthetic-frames.ts';
import { BTCUSDT_SPEC, createInstrument } from '../domain/values/instrument.ts';
import { unwrap } from '../domain/result.ts';
import type { Ticks } from '../domain/values/units.ts';
import { ConfigError, DEFAULT_DB, DEFAULT_MODEL_DIR, dbTarget, intFlag } from './config.ts';

/** `ladder db migrate [--db TARGET]` */
export async function dbCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { db: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    allowPositionals: true,
  });
  const [sub] = positionals;
  if (values.help === true || sub === undefined) {
    console.log(`ladder db migrate [--db TARGET]   apply pending migrations (TARGET: ${DEFAULT_DB}, pglite:memory, postgres://…; DATABASE_URL when absent)`);
    return sub === undefined && values.help !== true ? 2 : 0;
  }
  if (sub !== 'migrate') throw new ConfigError('db', `unknown subcommand "${sub}"; use "ladder db migrate"`);
  const { target } = dbTarget(values.db, process.env);
  let store;
  try {
    store = await createStore(target);
  } catch (error) {
    throw new ConfigError(values.db === undefined && process.env.DATABASE_URL !== undefined ? 'DATABASE_URL' : '--db', (error as Error).message);
  }
  try {
    const applied = await store.migrate();
    console.log(applied.length === 0 ? 'schema is up to date' : `applied: ${applied.join(', ')}`);
    return 0;
  } finally {
    await store.close();
  }
}

/** `ladder model baseline [--out DIR]` */
export async function modelCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { out: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    allowPositionals: true,
  });
  const [sub] = positionals;
  if (values.help === true || sub === undefined) {
    console.log(`ladder model baseline [--out DIR]   write the hand-set baseline linear model (default ${DEFAULT_MODEL_DIR})`);
    return sub === undefined && values.help !== true ? 2 : 0;
  }
  if (sub !== 'baseline') throw new ConfigError('model', `unknown subcommand "${sub}"; use "ladder model baseline"`);
  const out = values.out ?? DEFAULT_MODEL_DIR;
  await writeBaselineModel(out);
  console.log(`wrote ${out}/model.onnx and ${out}/manifest.json`);
  return 0;
}

/** The sample the quick start replays: 1,500 book frames (150 s) of the synthetic market, seed 7. */
export const SAMPLE = { seed: 7, bookFrames: 1500, startMs: 1_767_225_600_000, startPrice: 900_000 as Ticks, depth: 50 };

/** `ladder synth --out FILE [--frames N] [--seed S]`: writes a synthetic market as Bybit v5 frames. */
export function synthCommand(args: string[]): number {
  const { values } = parseArgs({
    args,
    options: { out: { type: 'string' }, frames: { type: 'string' }, seed: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help === true) {
    console.log('ladder synth --out FILE [--frames N] [--seed S]   write a synthetic BTCUSDT market as recorded Bybit v5 frames');
    return 0;
  }
  if (values.out === undefined) throw new ConfigError('--out', 'required: the file to write');
  const instrument = unwrap(createInstrument(BTCUSDT_SPEC));
  const lines = generateSyntheticFrames({
    ...SAMPLE,
    instrument,
    seed: values.seed === undefined ? SAMPLE.seed : intFlag('--seed', values.seed, 0, 2 ** 32 - 1),
    bookFrames: values.frames === undefined ? SAMPLE.bookFrames : intFlag('--frames', values.frames, 1, 10_000_000),
  });
  writeFileSync(values.out, `${lines.join('\n')}\n`);
  console.log(`wrote ${lines.length} frames to ${values.out}`);
  return 0;
}
