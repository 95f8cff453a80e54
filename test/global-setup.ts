import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/*
 * No test may write into the checkout's ./data, the default home of the embedded store and of spill
 * files: a user's own runs live there, and a test that used it read whatever an earlier run (or a
 * benchmark) had left, and shared one PGlite directory with the test file running beside it. Every
 * test names a store and a spill file of its own (--db none, pglite:memory, a temporary directory).
 */
const data = join(fileURLToPath(new URL('..', import.meta.url)), 'data');
const listing = (): Set<string> => new Set(existsSync(data) ? readdirSync(data) : []);

export default function setup(): () => void {
  const before = listing();
  return () => {
    const added = [...listing()].filter((name) => !before.has(name));
    if (added.length === 0) return;
    // Thrown here, vitest only logs it and exits 0: the exit code is what fails `npm test`.
    console.error(`\nFAIL tests wrote into ${data}: ${added.join(', ')}; give them a --db (and --spill) of their own\n`);
    process.exitCode = 1;
  };
}
