import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchRatio, writeSyntheticFile, type RatioStore } from './ratio-bench.ts';

/*
 * `node --import tsx bench/ratio-main.ts [minutes] [--db none|pglite:memory|both]`: the backtest path
 * against JSON.parse on a synthetic file of `minutes` (60 by default), alone, for measuring a change;
 * `… --input FILE…` on recorded files instead. One JSON line a store: `--db none` (the default, the
 * store of a run that keeps nothing, on which the goal is judged), `pglite:memory` (the embedded
 * database in memory), or `both`, one after the other. `npm run bench` runs the same measure among
 * the others.
 */
const args = process.argv.slice(2);
const dbAt = args.indexOf('--db');
const dbArg = dbAt >= 0 ? args.splice(dbAt, 2)[1] : 'none';
if (dbArg !== 'none' && dbArg !== 'pglite:memory' && dbArg !== 'both') throw new Error(`--db takes none, pglite:memory or both, not ${dbArg}`);
const stores: RatioStore[] = dbArg === 'both' ? ['none', 'pglite:memory'] : [dbArg];
if (args[0] === '--input') {
  for (const db of stores) console.log(JSON.stringify(await benchRatio(args.slice(1), db)));
} else {
  const minutes = Number(args[0] ?? 60);
  const dir = mkdtempSync(join(tmpdir(), 'ladder-ratio-'));
  try {
    const file = join(dir, 'synthetic.jsonl');
    await writeSyntheticFile(file, 7, minutes);
    for (const db of stores) console.log(JSON.stringify({ minutes, ...(await benchRatio([file], db)) }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
