import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

// Each case starts a paper run in a process of its own (tsx, onnxruntime, PGlite): allow for a busy machine.
const SLOW = { timeout: 240_000 };

const root = fileURLToPath(new URL('../..', import.meta.url));
const sample = join(root, 'test/fixtures/btcusdt-sample.jsonl');
const run = promisify(execFile);

/** A paper run over the sample with the baseline model (it sends orders there), standard error piped as in a script. */
async function paper(extra: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<string[]> {
  const args = [join(root, 'bin/ladder.js'), 'paper', '--input', sample, '--model', join(root, 'models/baseline'), '--db', 'none', '--no-dashboard', ...extra];
  const { stderr } = await run(process.execPath, args, { cwd: root, env: { ...process.env, DATABASE_URL: '', ...env } });
  return stderr.split('\n').filter((l) => l !== '');
}

describe('log lines of a paper run', () => {
  it('are JSON when piped, readable with prices in USDT and sizes in BTC with --log-format pretty or LADDER_LOG_FORMAT', SLOW, async () => {
    const [piped, pretty, fromEnv] = await Promise.all([paper([]), paper(['--log-format', 'pretty']), paper([], { LADDER_LOG_FORMAT: 'pretty' })]);

    // Piped: one JSON object a line; the raw integers stay, the converted values come beside them.
    const orders = piped.map((l) => JSON.parse(l) as Record<string, unknown>).filter((r) => r.msg === 'order sent');
    expect(orders.length).toBeGreaterThan(0);
    for (const o of orders) {
      expect(Number.isSafeInteger(o.qty)).toBe(true);
      expect(o.qtyBtc).toBe(((o.qty as number) / 1000).toFixed(3));
      if (o.limitPrice !== null) expect(o.limitPriceUsdt).toBe(((o.limitPrice as number) / 10).toFixed(1));
    }

    for (const lines of [pretty, fromEnv]) {
      expect(lines.filter((l) => l.startsWith('{'))).toEqual([]);
      const sent = lines.filter((l) => / INFO {2}order sent {2}/.test(l));
      expect(sent.length).toBe(orders.length);
      for (const line of sent) {
        expect(line).toMatch(/^\d\d:\d\d:\d\d\.\d{3} INFO {2}order sent {2}/);
        expect(line).toMatch(/ qty \d+\.\d{3} BTC /);
        expect(line).not.toMatch(/ qty=| limitPrice=|qtyBtc/);
      }
    }
  });

  it('refuse a format that is not pretty or json, by name', SLOW, async () => {
    const refused = await run(process.execPath, [join(root, 'bin/ladder.js'), 'paper', '--source', 'synthetic', '--log-format', 'yaml'], { cwd: root }).catch((e: { code: number; stderr: string }) => e);
    expect(refused).toMatchObject({ code: 2 });
    expect((refused as { stderr: string }).stderr.trim()).toBe('ladder: --log-format: "yaml" is not one of pretty, json');
  });
});
