// The store bench on its own: `npm run bench` runs it in a fresh process. Its last line is its figures.
import { benchStore } from './store-bench.ts';

console.log(JSON.stringify(await benchStore()));
