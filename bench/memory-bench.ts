import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { benchScript, root } from './root.ts';

/*
 * `npm run bench:memory [-- SHORT LONG]`: peak resident memory of `ladder backtest --source synthetic --db none`
 * over a short and a long stretch of the synthetic market (default 1h and 24h), each in a process of
 * its own (bench/memory-main.ts), and the long run's peak over the short one's. The backtest streams its
 * market (files: a bounded read buffer; the synthetic source: one step at a time) and, on --db none,
 * keeps none of its ledger's rows, only the figures its report reads (application/ledger-fold.ts), so
 * what differs between the two peaks is the collector's room rather than data held. It takes
 * minutes (a day of market at the backtest's speed), which is why it is not part of `npm run bench`.
 * The last line printed is one JSON object of named figures.
 */

const [short = '1h', long = '24h'] = process.argv.slice(2);

interface Peak {
  readonly peakRssMiB: number;
  readonly seconds: number;
}

async function peak(duration: string): Promise<Peak> {
  // --db none: the run's rows go to an in-memory store dropped at the end, not into ./data/ladder (a
  // day's ledger on disk for every bench), and the figure is the backtest's, not a database file's.
  const args = [...benchScript('memory-main'), '--source', 'synthetic', '--seed', '7', '--duration', duration, '--db', 'none'];
  const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  let last = '';
  for await (const line of createInterface({ input: child.stdout })) last = line;
  const code = await new Promise<number | null>((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.once('exit', resolve)));
  if (code !== 0) throw new Error(`the ${duration} backtest failed (exit code ${code})`);
  return JSON.parse(last) as Peak;
}

const a = await peak(short);
console.log(`memory: ladder backtest --source synthetic --db none --duration ${short}: peak RSS ${a.peakRssMiB.toFixed(0)} MiB in ${a.seconds.toFixed(0)} s`);
const b = await peak(long);
console.log(`memory: ladder backtest --source synthetic --db none --duration ${long}: peak RSS ${b.peakRssMiB.toFixed(0)} MiB in ${b.seconds.toFixed(0)} s`);
const ratio = b.peakRssMiB / a.peakRssMiB;
console.log(`memory: peak RSS ${long} / ${short} = ${ratio.toFixed(3)} (goal ≤ 1.2)`);
console.log(JSON.stringify({
  [`backtest_${short}_peak_rss_mib`]: { value: Math.round(a.peakRssMiB), unit: 'MiB' },
  [`backtest_${long}_peak_rss_mib`]: { value: Math.round(b.peakRssMiB), unit: 'MiB' },
  backtest_peak_rss_ratio: { value: Number(ratio.toFixed(3)), unit: '×' },
}));
