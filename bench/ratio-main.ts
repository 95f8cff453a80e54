import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchRatio, writeSyntheticFile } from './ratio-bench.ts';

/*
 * `node --import tsx bench/ratio-main.ts [minutes]`: the backtest path against JSON.parse on a
 * synthetic file of `minutes` (60 by default), alone, for measuring a change; `… --input FILE…` on
 * recorded files instead. `npm run bench` runs the
 * same measure among the others.
 */
if (process.argv[2] === '--input') {
  console.log(JSON.stringify(await benchRatio(process.argv.slice(3))));
} else {
  const minutes = Number(process.argv[2] ?? 60);
  const dir = mkdtempSync(join(tmpdir(), 'ladder-ratio-'));
  try {
    const file = join(dir, 'synthetic.jsonl');
    await writeSyntheticFile(file, 7, minutes);
    console.log(JSON.stringify({ minutes, ...(await benchRatio([file])) }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
