// `node --import ./test/support/load-trace.mjs …` with LOAD_TRACE_FILE=FILE: appends to FILE the URL of
// every ES module the process loads (a module hook, test/support/load-trace-hooks.mjs) and, as it exits,
// the path of every CommonJS module it loaded (require's cache, which also holds what `import` loaded
// of CommonJS packages). Node 20.6+ (module.register). Used by test/composition/lazy-loading.int.test.ts.
import { appendFileSync } from 'node:fs';
import { createRequire, register } from 'node:module';

const file = process.env.LOAD_TRACE_FILE;
if (file !== undefined && file !== '') {
  register('./load-trace-hooks.mjs', import.meta.url, { data: { file } });
  const cache = createRequire(import.meta.url).cache;
  process.on('exit', () => {
    appendFileSync(file, Object.keys(cache).map((path) => `${path}\n`).join(''));
  });
}
