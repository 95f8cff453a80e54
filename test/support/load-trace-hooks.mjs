// The module hook of test/support/load-trace.mjs: runs on the loader's thread, one line per module loaded.
import { appendFileSync } from 'node:fs';

let file = null;

export function initialize(data) {
  file = data.file;
}

export async function load(url, context, nextLoad) {
  if (file !== null) appendFileSync(file, `${url}\n`);
  return nextLoad(url, context);
}
