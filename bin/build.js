#!/usr/bin/env node
// `npm run build` (and `npm ci`, through the prepare script): compiles the TypeScript sources to dist/,
// which bin/ladder.js runs when it is up to date (bin/entry.js). Type checking is `npm run typecheck`'s
// job; this only emits, so it takes seconds. A failed build says so and exits non-zero, leaving no
// dist/ behind: bin/ladder.js then runs the sources through tsx.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SOURCE_DIRS, STAMP } from './entry.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = join(root, 'dist');
const say = (text) => process.stderr.write(`ladder build: ${text}\n`);

let tsc;
try {
  tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
} catch {
  // `npm ci --omit=dev` installs no compiler; the sources still run, through tsx.
  say('typescript is not installed (a production install?): nothing compiled, bin/ladder.js runs the sources through tsx');
  process.exit(0);
}

const startedAt = Date.now();
rmSync(dist, { recursive: true, force: true });
const result = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { cwd: root, stdio: 'inherit' });
if (result.status !== 0) {
  rmSync(dist, { recursive: true, force: true });
  say(`FAILED: tsc ${result.signal === null ? `exited with code ${result.status}` : `was stopped by ${result.signal}`} (its errors are above); dist/ removed, so bin/ladder.js runs the TypeScript sources through tsx until "npm run build" succeeds`);
  process.exit(1);
}

// Files the code reads beside itself (the dashboard's page, script and styles) go along.
for (const dir of SOURCE_DIRS) copyAssets(join(root, dir), join(dist, dir));
// composition/config.ts finds the shipped models one level above itself, which from dist/composition/ is
// dist/. A link, not a copy, so that a retrained model is what runs; a copy where links are refused.
try {
  symlinkSync('../models', join(dist, 'models'), 'junction');
} catch {
  cpSync(join(root, 'models'), join(dist, 'models'), { recursive: true });
}
writeFileSync(join(dist, STAMP), String(startedAt));
say(`compiled to dist/ in ${((Date.now() - startedAt) / 1000).toFixed(1)} s`);

function copyAssets(from, to) {
  let entries;
  try {
    entries = readdirSync(from, { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) {
    if (entry.isDirectory()) copyAssets(join(from, entry.name), join(to, entry.name));
    else if (!entry.name.endsWith('.ts')) {
      mkdirSync(to, { recursive: true });
      cpSync(join(from, entry.name), join(to, entry.name));
    }
  }
}
