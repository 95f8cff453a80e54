// A worker thread of `ladder backtest --jobs N`: TypeScript sources run through tsx's loader, as in bin/ladder.js.
import { register } from 'tsx/esm/api';

register();
await import('../composition/backtest-worker.ts');
