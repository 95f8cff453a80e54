// `node --import ./bench/peak-rss.mjs …` with PEAK_RSS_FILE=FILE: as the process exits, writes its peak
// resident set size in KiB to FILE. bench/startup-bench.ts measures whole `ladder` processes with it.
// On Linux this is /proc/self/status's VmHWM, the high-water mark of this process's own memory (worker
// threads included): getrusage's ru_maxrss is not, for Linux carries it over fork and exec, so a child
// of a bench holding 400 MiB read at least 400 MiB, even a bare `node -e 0`. Elsewhere, ru_maxrss.
import { readFileSync, writeFileSync } from 'node:fs';

function peakKib() {
  try {
    const hwm = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (hwm !== null) return Number(hwm[1]);
  } catch {
    // no procfs: the rusage figure below
  }
  return process.resourceUsage().maxRSS;
}

const file = process.env.PEAK_RSS_FILE;
if (file !== undefined && file !== '') process.on('exit', () => writeFileSync(file, String(peakKib())));
