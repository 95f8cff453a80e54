import 'reflect-metadata';
import { backtestCommand } from '../composition/backtest-command.ts';

/*
 * One backtest in this process, then one JSON line: its peak resident set size. Run by
 * bench/memory-bench.ts in a fresh process per run, so that each peak is that run's alone.
 * Arguments: those of `ladder backtest`.
 */
const started = performance.now();
await backtestCommand([...process.argv.slice(2), '--quiet', '--log-level', 'error'], () => undefined);
const seconds = (performance.now() - started) / 1000;
// resourceUsage().maxRSS is in KiB (getrusage's ru_maxrss on Linux).
console.log(JSON.stringify({ peakRssMiB: process.resourceUsage().maxRSS / 1024, seconds }));
