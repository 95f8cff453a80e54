import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compiledState, STAMP } from '../../bin/entry.js';

/* bin/entry.js runs dist/ only while no source file changed after the build started. */

const tmp = mkdtempSync(join(tmpdir(), 'ladder-entry-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function tree(name: string): string {
  const root = join(tmp, name);
  mkdirSync(join(root, 'composition/deep'), { recursive: true });
  writeFileSync(join(root, 'composition/deep/a.ts'), 'export {};\n');
  mkdirSync(join(root, 'dist'), { recursive: true });
  return root;
}

const at = (path: string, ms: number): void => utimesSync(path, ms / 1000, ms / 1000);

describe('which code bin/ladder.js runs', () => {
  it('runs the sources when dist/ was never built to the end', () => {
    const root = tree('unbuilt');
    expect(compiledState(root)).toEqual({ fresh: false, reason: 'dist/ is not built (npm run build)' });
  });

  it('runs dist/ when every source is older than the build', () => {
    const root = tree('fresh');
    at(join(root, 'composition/deep/a.ts'), 1_000_000);
    writeFileSync(join(root, 'dist', STAMP), '2000000');
    expect(compiledState(root).fresh).toBe(true);
  });

  it('runs the sources, naming the file, when one changed after the build started', () => {
    const root = tree('stale');
    at(join(root, 'composition/deep/a.ts'), 3_000_000);
    writeFileSync(join(root, 'dist', STAMP), '2000000');
    const state = compiledState(root);
    expect(state.fresh).toBe(false);
    expect(state.reason).toContain(join('composition', 'deep', 'a.ts'));
  });
});
