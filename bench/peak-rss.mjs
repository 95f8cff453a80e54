// `node --import ./bench/peak-rss.mjs …` with PEAK_RSS_FILE=FILE: as the process exits, writes its peak
// resident set size in KiB (getrusage's ru_maxrss, worker threads included) to FILE. bench/startup-bench.ts
// measures whole `ladder` processes with it.
import { writeFileSync } from 'node:fs';

const file = process.env.PEAK_RSS_FILE;
if (file !== undefined && file !== '') process.on('exit', () => writeFileSync(file, String(process.resourceUsage().maxRSS)));
