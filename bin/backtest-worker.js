// A worker thread of `ladder backtest --jobs N` when the sources run through tsx (bin/entry.js); a
// compiled run starts dist/composition/backtest-worker.js directly.
import { importEntry } from './entry.js';

await importEntry('composition/backtest-worker');
