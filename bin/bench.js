#!/usr/bin/env node
// `npm run bench`: runs the benchmarks (compiled when dist/ is up to date, bin/entry.js); the last line
// printed is one JSON object of named figures.
import { importEntry } from './entry.js';

await importEntry('bench/run');
