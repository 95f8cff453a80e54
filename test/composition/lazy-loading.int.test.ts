import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

/*
 * The heavy libraries load only where a command uses them: each case runs `ladder` in a process of its
 * own under test/support/load-trace.mjs, which lists every module the process loaded, and the list is
 * checked. Whether dist/ or the TypeScript sources run (bin/entry.js), the same modules must stay out.
 */

const root = fileURLToPath(new URL('../..', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'ladder-load-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const run = promisify(execFile);

const HEAVY = {
  onnxruntime: /\/node_modules\/onnxruntime-node\//,
  pglite: /\/node_modules\/@electric-sql\/pglite\//,
  ccxt: /\/node_modules\/ccxt\//,
  opentelemetry: /\/node_modules\/@opentelemetry\//,
  otlpExporter: /\/node_modules\/@opentelemetry\/(sdk-node|exporter-)/,
  sql: /\/node_modules\/(kysely|pg)\//,
  nats: /\/node_modules\/@nats-io\//,
};

let traces = 0;

/** Runs `ladder ARGS` with nothing in its environment that chooses a store or telemetry; the modules it loaded. */
async function loaded(...args: string[]): Promise<string[]> {
  const file = join(tmp, `trace-${++traces}.txt`);
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('OTEL_') && !k.startsWith('LADDER_') && k !== 'DATABASE_URL'));
  const hook = join(root, 'test/support/load-trace.mjs');
  try {
    await run(process.execPath, ['--import', hook, join(root, 'bin/ladder.js'), ...args], { cwd: tmp, env: { ...env, LOAD_TRACE_FILE: file } });
  } catch (error) {
    const e = error as { code: number; stderr: string };
    throw new Error(`ladder ${args.join(' ')} exited with ${e.code}: ${e.stderr}`);
  }
  return readFileSync(file, 'utf8').split('\n').filter((line) => line !== '');
}

const matching = (modules: readonly string[], re: RegExp): string[] => modules.filter((m) => re.test(m));

describe('what each command loads', () => {
  it.each(['--help', '--version', 'help paper', 'backtest --help'])(
    'ladder %s loads none of onnxruntime, PGlite, ccxt, OpenTelemetry, the SQL layer or NATS',
    { timeout: 60_000 },
    async (command) => {
      const modules = await loaded(...command.split(' '));
      expect(modules.some((m) => m.includes('/composition/cli.')), 'the trace must list the modules the command ran').toBe(true);
      for (const [name, re] of Object.entries(HEAVY)) expect(matching(modules, re), name).toEqual([]);
    },
  );

  it('a backtest with --db none and no OTEL variables loads the model runtime, but neither PGlite nor the SQL layer, ccxt, NATS or the OTLP exporters', { timeout: 180_000 }, async () => {
    const modules = await loaded('backtest', '--source', 'synthetic', '--duration', '10s', '--db', 'none', '--quiet');
    expect(matching(modules, HEAVY.onnxruntime).length, 'the model runs, so the trace must show onnxruntime').toBeGreaterThan(0);
    for (const name of ['pglite', 'sql', 'ccxt', 'nats', 'otlpExporter'] as const) expect(matching(modules, HEAVY[name]), name).toEqual([]);
  });

  it('a paper run with --db none and no OTEL variables loads neither PGlite, ccxt, NATS nor the OTLP exporters', { timeout: 180_000 }, async () => {
    const modules = await loaded('paper', '--source', 'synthetic', '--duration', '10s', '--speed', 'max', '--db', 'none', '--no-dashboard', '--log-level', 'error');
    expect(matching(modules, HEAVY.onnxruntime).length).toBeGreaterThan(0);
    for (const name of ['pglite', 'sql', 'ccxt', 'nats', 'otlpExporter'] as const) expect(matching(modules, HEAVY[name]), name).toEqual([]);
  });

  it('a backtest on the embedded store loads PGlite: the trace sees what is loaded', { timeout: 180_000 }, async () => {
    const modules = await loaded('backtest', '--source', 'synthetic', '--duration', '10s', '--db', 'pglite:memory', '--quiet');
    expect(matching(modules, HEAVY.pglite).length).toBeGreaterThan(0);
    expect(matching(modules, HEAVY.ccxt)).toEqual([]);
  });
});
