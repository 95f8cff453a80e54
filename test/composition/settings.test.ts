import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../composition/config-error.ts';
import { LIVE_HELP, liveSettings, logFormat, PAPER_HELP, PAPER_OPTIONS, LIVE_OPTIONS, paperSettings } from '../../composition/run-command.ts';
import { LIVE_SETTINGS, PAPER_SETTINGS } from '../../composition/run-settings.ts';
import { helpLines, readSettings } from '../../composition/settings.ts';
import { BACKTEST_HELP, backtestCommand } from '../../composition/backtest-command.ts';
import { BACKTEST_SETTINGS } from '../../composition/backtest-settings.ts';
import { synthCommand } from '../../composition/synth-command.ts';
import { runsCommand } from '../../composition/runs-command.ts';
import { workerCommand } from '../../composition/worker-command.ts';
import { sweepCommand } from '../../composition/sweep-command.ts';
import { publishCommand } from '../../composition/publish-command.ts';
import { replayCommand } from '../../composition/replay-command.ts';
import { recordCommand } from '../../composition/record-command.ts';
import { featuresCommand } from '../../composition/features-command.ts';
import { trainCommand } from '../../composition/train-command.ts';
import { modelCommand } from '../../composition/model-command.ts';
import { killCommand } from '../../composition/kill-command.ts';
import { dbCommand } from '../../composition/commands.ts';
import { doctorCommand } from '../../composition/doctor-command.ts';
import { DASHBOARD_HELP, dashboardCommand } from '../../composition/dashboard-command.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'ladder-settings-'));
const base = ['--db', 'pglite:memory', '--model', join(root, 'models/baseline')];
const KEYS = { BYBIT_API_KEY: 'key', BYBIT_API_SECRET: 'secret' };

/** The one line a refused configuration gives, or 'accepted'. */
function refusal(run: () => unknown): string {
  try {
    run();
    return 'accepted';
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
}

function file(name: string, content: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(content));
  return path;
}

describe('the settings declared once', () => {
  it('give the command line its flags and the help a line for each', () => {
    for (const [table, options, help] of [[PAPER_SETTINGS, PAPER_OPTIONS, PAPER_HELP], [LIVE_SETTINGS, LIVE_OPTIONS, LIVE_HELP]] as const) {
      expect(Object.keys(options)).toEqual(Object.keys(table));
      for (const [key, setting] of Object.entries(table)) {
        if (key === 'help') continue;
        expect(help).toContain(`  --${key}${setting.arg === undefined ? '' : ` ${setting.arg}`}`);
        if (setting.defaultText !== undefined) expect(helpLines(table, [key])).toContain(`(default ${setting.defaultText})`);
      }
    }
    // Wrapped under the description column, within the width.
    for (const line of helpLines(PAPER_SETTINGS).split('\n')) expect(line.length).toBeLessThanOrEqual(110);
  });

  it('fill in defaults and read each value to its type', () => {
    const s = readSettings(PAPER_SETTINGS, { 'max-position': '0.02', duration: '1.5m', json: true });
    expect(s).toMatchObject({ 'max-position': 20, 'order-size': 2, duration: 90_000, json: true, policy: 'smart', capital: 10_000, speed: 'max', 'stale-after': 10, 'no-dashboard': false });
    expect(s.depth).toBeUndefined();
    expect(readSettings(LIVE_SETTINGS, {})).toMatchObject({ 'reconcile-every': 10_000, 'recv-window': 5_000, 'on-start-orders': 'cancel', mainnet: false });
  });

  it('refuse a word that is not one of the choices, suggesting the near one wherever it came from', () => {
    expect(refusal(() => paperSettings([...base, '--policy', 'smrt'], {}))).toBe('--policy: "smrt" is not one of smart, baseline; did you mean "smart"?');
    expect(refusal(() => paperSettings(base, { LADDER_ON_STOP: 'kepe' }))).toBe('LADDER_ON_STOP: "kepe" is not one of cancel, keep; did you mean "keep"?');
    const path = file('level.json', { 'log-level': 'wran' });
    expect(refusal(() => paperSettings([...base, '--config', path], {}))).toBe(`${path}: log-level: "wran" is not one of debug, info, warn, error, silent; did you mean "warn"?`);
    expect(refusal(() => paperSettings([...base, '--log-format', 'prety'], {}))).toMatch(/^--log-format: "prety" is not one of pretty, json; did you mean "pretty"\?$/);
  });

  it('suggest the near flag, variable and key for a misspelt name', () => {
    expect(refusal(() => paperSettings([...base, '--max-positon', '0.01'], {}))).toBe('--max-positon: unknown flag; did you mean --max-position? ("ladder help paper" lists the flags)');
    expect(refusal(() => paperSettings(base, { LADDER_ORDER_SIZ: '0.001' }))).toBe('LADDER_ORDER_SIZ: not a setting Ladder knows; did you mean LADDER_ORDER_SIZE?');
    const path = file('typo.json', { 'trace-sample-rat': 0.5 });
    expect(refusal(() => paperSettings([...base, '--config', path], {}))).toMatch(new RegExp(`^${path}: trace-sample-rat: unknown setting; did you mean "trace-sample-rate"\\?`));
  });

  it('need a unit on every duration, in flags, variables and files alike', () => {
    expect(refusal(() => paperSettings([...base, '--duration', '10'], {}))).toBe('--duration: "10" has no unit: write 10s, 10m or 10h (units: ms, s, m, h, d)');
    expect(refusal(() => paperSettings(base, { LADDER_DURATION: '10' }))).toMatch(/^LADDER_DURATION: "10" has no unit/);
    const path = file('duration.json', { duration: 10 });
    expect(refusal(() => paperSettings([...base, '--config', path], {}))).toMatch(new RegExp(`^${path}: duration: "10" has no unit`));
    expect(paperSettings([...base, '--duration', '2h'], {})).toMatchObject({ durationMs: 7_200_000 });
    expect(refusal(() => liveSettings([...base, '--reconcile-every', '10'], KEYS))).toMatch(/^--reconcile-every: "10" has no unit/);
    expect(liveSettings([...base, '--reconcile-every', '500ms'], KEYS)).toMatchObject({ reconcileEveryMs: 500 });
  });

  it('name LOG_LEVEL when the level refused came from it, and let --log-level override it', () => {
    expect(refusal(() => paperSettings(base, { LOG_LEVEL: 'loud' }))).toMatch(/^LOG_LEVEL: "loud" is not one of/);
    expect(paperSettings([...base, '--log-level', 'warn'], { LOG_LEVEL: 'loud' })).toMatchObject({ logLevel: 'warn' });
    expect(paperSettings(base, { LOG_LEVEL: 'debug' })).toMatchObject({ logLevel: 'debug' });
  });

  it('refuse a negative number by the flag\'s name, with the value', () => {
    expect(refusal(() => paperSettings([...base, '--capital', '-5'], {}))).toBe('--capital: "-5" is not a positive amount of USDT');
    expect(refusal(() => paperSettings([...base, '--seed', '-1'], {}))).toBe('--seed: -1 is outside 0..4294967295');
    expect(refusal(() => liveSettings([...base, '--dcp-window', '2'], KEYS))).toBe('--dcp-window: 2 is outside 3..300');
  });

  it('choose the log format by flag, variable or file, else by whether standard error is a terminal', () => {
    const chosen = (args: string[], env: NodeJS.ProcessEnv, terminal: boolean) => {
      const config = paperSettings([...base, ...args], env);
      if (config === 'help') throw new Error('unexpected help');
      return logFormat(config, terminal);
    };
    expect(chosen([], {}, true)).toBe('pretty');
    expect(chosen([], {}, false)).toBe('json');
    expect(chosen(['--log-format', 'json'], {}, true)).toBe('json');
    expect(chosen(['--log-format', 'pretty'], {}, false)).toBe('pretty');
    expect(chosen([], { LADDER_LOG_FORMAT: 'json' }, true)).toBe('json');
    expect(chosen(['--config', file('format.json', { 'log-format': 'pretty' })], {}, false)).toBe('pretty');
    expect(refusal(() => chosen([], { LADDER_LOG_FORMAT: 'text' }, true))).toBe('LADDER_LOG_FORMAT: "text" is not one of pretty, json');
  });

  it('govern ladder backtest too: its help, seeds, jobs and the variables and keys it shares with paper', async () => {
    for (const [key, setting] of Object.entries(BACKTEST_SETTINGS)) if (key !== 'help') expect(BACKTEST_HELP).toContain(`  --${key}${setting.arg === undefined ? '' : ` ${setting.arg}`}`);
    const refused = async (args: string[], env: NodeJS.ProcessEnv = {}): Promise<string> => {
      const saved = { ...process.env };
      Object.assign(process.env, env);
      try {
        await backtestCommand(['--source', 'synthetic', '--duration', '1s', '--db', 'none', '--quiet', ...args], () => undefined);
        return 'accepted';
      } catch (error) {
        if (error instanceof ConfigError) return error.message;
        throw error;
      } finally {
        process.env = saved;
      }
    };
    expect(await refused(['--seed', '1,x'])).toBe('--seed: "x" is not a whole number');
    expect(await refused(['--seed', '4,4'])).toBe('--seed: "4,4" names a seed twice');
    expect(await refused(['--informed-share', '2'])).toBe('--informed-share: must be a number from 0 to 1 or calibrated, not "2"');
    expect(await refused([], { LADDER_JOBS: '0' })).toBe('LADDER_JOBS: 0 is outside 1..64');
    expect(await refused(['--config', file('backtest.json', { policy: 'basline' })])).toBe(`${join(dir, 'backtest.json')}: policy: "basline" is not one of smart, baseline; did you mean "baseline"?`);
    expect(await refused(['--duration', '10'])).toMatch(/^--duration: "10" has no unit/);
  });

  it('govern synth, runs, replay, record, worker, sweep and publish: a misspelt flag, a unitless duration and a wrong word are refused by name before anything is written', async () => {
    const out = join(dir, 'synth.jsonl');
    const message = async (run: () => Promise<unknown>): Promise<string> => {
      try {
        await run();
        return 'accepted';
      } catch (error) {
        if (error instanceof ConfigError) return error.message;
        throw error;
      }
    };
    expect(await message(() => synthCommand(['--out', out, '--frams', '3'], () => undefined))).toBe('--frams: unknown flag; did you mean --frames? ("ladder help synth" lists the flags)');
    expect(await message(() => synthCommand(['--out', out, '--duration', '10'], () => undefined))).toMatch(/^--duration: "10" has no unit/);
    expect(await message(() => synthCommand(['--out', out, '--depth', '0'], () => undefined))).toBe('--depth: 0 is outside 1..1000');
    expect(await message(() => runsCommand(['--kind', 'papr'], () => undefined))).toBe('--kind: "papr" is not one of paper, live, backtest; did you mean "paper"?');
    expect(await message(() => runsCommand(['--limit', '-1'], () => undefined))).toBe('--limit: -1 is outside 1..100000');
    const sample = join(root, 'test/fixtures/btcusdt-sample.jsonl');
    expect(await message(() => replayCommand(['--input', sample, '--emit', 'tpo'], () => undefined))).toBe('--emit: "tpo" is not one of top, none; did you mean "top"?');
    expect(await message(() => replayCommand(['--input', sample, '--category', 'inverse'], () => undefined))).toMatch(/^--category: "inverse" is not one of linear, spot/);
    expect(await message(() => replayCommand(['--input', sample, '--speed', '0'], () => undefined))).toBe('--speed: "0" is not a positive number or "max"');
    expect(await message(() => recordCommand(['--out', out, '--depht', '5']))).toBe('--depht: unknown flag; did you mean --depth? ("ladder help record" lists the flags)');
    expect(await message(() => recordCommand(['--out', out, '--duration', '90']))).toMatch(/^--duration: "90" has no unit/);
    // worker, sweep and publish: checked before any connection (the address below has no server).
    const nats = 'nats://127.0.0.1:1';
    expect(await message(() => workerCommand(['--nats', nats, '--max-jbs', '3'], () => undefined))).toBe('--max-jbs: unknown flag; did you mean --max-jobs? ("ladder help worker" lists the flags)');
    expect(await message(() => workerCommand(['--nats', nats, '--idle-exit', '10'], () => undefined))).toMatch(/^--idle-exit: "10" has no unit/);
    expect(await message(() => workerCommand(['--nats', nats, '--log-level', 'loud'], () => undefined))).toMatch(/^--log-level: "loud" is not one of/);
    expect(await message(() => sweepCommand(['--stauts'], () => undefined))).toMatch(/^--stauts: unknown flag; did you mean --status\?/);
    expect(await message(() => publishCommand(['--input', out, '--publish', nats, '--log-level', 'wran'], () => undefined))).toMatch(/^--log-level: "wran" is not one of .*did you mean "warn"\?$/);
    expect(await message(() => publishCommand(['--input', out, '--publish', nats, '--retain-age', '48'], () => undefined))).toMatch(/^--retain-age: "48" has no unit/);
  });

  it('govern features, train, model, db, sweep, publish, doctor and kill: a misspelt flag and a wrong value are refused by name before anything is read or written', async () => {
    const message = async (run: () => Promise<unknown>): Promise<string> => {
      try {
        await run();
        return 'accepted';
      } catch (error) {
        if (error instanceof ConfigError) return error.message;
        throw error;
      }
    };
    const out = join(dir, 'features.csv');
    const synthetic = ['--source', 'synthetic', '--out', out];
    expect(await message(() => featuresCommand([...synthetic, '--frams', '3'], () => undefined))).toBe('--frams: unknown flag; did you mean --frames? ("ladder help features" lists the flags)');
    expect(await message(() => featuresCommand([...synthetic, '--duration', '90'], () => undefined))).toMatch(/^--duration: "90" has no unit/);
    expect(await message(() => featuresCommand([...synthetic, '--frames', '10', '--depth', '0'], () => undefined))).toBe('--depth: 0 is outside 1..10000');
    expect(await message(() => featuresCommand([...synthetic, '--frames', '10', '--labels', '--dead-zone-bps', '-1'], () => undefined))).toBe('--dead-zone-bps: "-1" is not a non-negative number of basis points');
    expect(await message(() => featuresCommand([...synthetic, '--frames', '10', '--log-level', 'wran'], () => undefined))).toMatch(/^--log-level: "wran" is not one of .*did you mean "warn"\?$/);
    expect(await message(() => featuresCommand([...synthetic, '--frames', '10', '--min-windows', '3'], () => undefined))).toBe('--min-windows: only goes with --labels');
    // train: refused before the data is read (the file named does not exist).
    const data = ['--data', join(dir, 'absent.csv'), '--out', join(dir, 'model')];
    expect(await message(() => trainCommand([...data, '--leavs', '4'], () => undefined))).toBe('--leavs: unknown flag; did you mean --leaves? ("ladder help train" lists the flags)');
    expect(await message(() => trainCommand([...data, '--max-warmup', '30'], () => undefined))).toMatch(/^--max-warmup: "30" has no unit/);
    expect(await message(() => trainCommand([...data, '--holdout', 'half'], () => undefined))).toBe('--holdout: "half" is not a number');
    expect(await message(() => trainCommand([...data, '--folds', '0'], () => undefined))).toBe('--folds: 0 is outside 1..50');
    expect(await message(() => modelCommand(['predict', join(root, 'models/baseline'), '--row', 'r.json'], () => undefined))).toBe('--row: unknown flag; did you mean --rows? ("ladder help model" lists the flags)');
    expect(await message(() => modelCommand(['reload', '--pid', 'abc'], () => undefined))).toBe('--pid: "abc", not a process id');
    expect(await message(() => dbCommand(['rollback', '--db', 'pglite:memory', '--step', '2']))).toBe('--step: unknown flag; did you mean --steps? ("ladder help db" lists the flags)');
    expect(await message(() => dbCommand(['rollback', '--db', 'pglite:memory', '--steps', 'two']))).toBe('--steps: "two" is not a whole number');
    // sweep: its values are read before the grid file or any server is touched.
    expect(await message(() => sweepCommand(['--grid', join(dir, 'absent.json'), '--seeds', '1', '--duration', '10', '--nats', 'nats://127.0.0.1:1'], () => undefined))).toMatch(/^--duration: "10" has no unit/);
    expect(await message(() => sweepCommand(['--status', '--ack-wait', '30'], () => undefined))).toMatch(/^--ack-wait: "30" has no unit/);
    expect(await message(() => sweepCommand(['--status', '--log-level', 'loud'], () => undefined))).toMatch(/^--log-level: "loud" is not one of/);
    expect(await message(() => publishCommand(['--inptu', 'x.jsonl', '--publish', 'nats://127.0.0.1:1'], () => undefined))).toBe('--inptu: unknown flag; did you mean --input? ("ladder help publish" lists the flags)');
    expect(await message(() => publishCommand(['--publish', 'nats://127.0.0.1:1'], () => undefined))).toBe('--input: required: the recording to publish');
    // doctor: its own flags are refused by name before any check runs.
    expect(await message(() => doctorCommand(['--live', '--timeout-ms', '50'], () => undefined, {}))).toBe('--timeout-ms: "50" is not a whole number of milliseconds from 100 to 60000');
    expect(await message(() => doctorCommand(['--live', '--rest-url', 'api.bybit.com'], () => undefined, {}))).toBe('--rest-url: "api.bybit.com" is not an http:// or https:// URL');
    expect(await message(() => doctorCommand(['--live', '--rest-url'], () => undefined, {}))).toBe('--rest-url: needs a value');
    // dashboard: refused by name before the store is opened.
    const run = ['--run', 'r-1', '--db', 'pglite:memory'];
    expect(await message(() => dashboardCommand([...run, '--prot', '8080'], () => undefined))).toBe('--prot: unknown flag; did you mean --port? ("ladder help dashboard" lists the flags)');
    expect(await message(() => dashboardCommand([...run, '--port', '70000'], () => undefined))).toBe('--port: 70000 is outside 0..65535');
    expect(await message(() => dashboardCommand([...run, '--port', 'http'], () => undefined))).toBe('--port: "http" is not a whole number');
    expect(await message(() => dashboardCommand([...run, '--capital', '-5'], () => undefined))).toMatch(/^--capital: "-5" is not /);
    expect(await message(() => dashboardCommand([...run, '--host', ' '], () => undefined))).toBe('--host: must name a host or address');
    expect(await message(() => dashboardCommand(['--db', 'pglite:memory'], () => undefined))).toMatch(/^--run: give the id of a stored run/);
    expect(DASHBOARD_HELP).toMatch(/--port N +where to listen; a free one if taken, and 0 picks one \(default 8420\)/);
    expect(refusal(() => killCommand(['--pidfile', join(dir, 'run.pid')], () => undefined))).toBe('--pidfile: unknown flag; did you mean --pid-file? ("ladder help kill" lists the flags)');
    expect(refusal(() => killCommand(['--pid', '0'], () => undefined))).toBe('--pid: "0", not a process id');
  });
});
