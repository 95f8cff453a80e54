#!/usr/bin/env node
// `npm run bench`: runs the benchmarks; the last line printed is one JSON object of named figures.
import { register } from 'tsx/esm/api';

register();
await import('../bench/run.ts');
