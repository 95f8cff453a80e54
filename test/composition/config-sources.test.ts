import { createServer, type Server } from 'node:http';
import { mkdtempSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { inspect } from 'node:util';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { createPinoLogger } from '../../adapters/log/pino-logger.ts';
import { ConfigError } from '../../composition/config.ts';
import { envName, layerConfig, nearest } from '../../composition/config-sources.ts';
import { liveSettings, paperSettings, PAPER_OPTIONS } from '../../composition/run-command.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'ladder-config-'));
const KEYS = { BYBIT_API_KEY: 'k3yTextThatMustNotLeak', BYBIT_API_SECRET: 's3cretTextThatMustNotLeak' };

function file(name: string, content: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

/** The field a refused configuration names, or 'accepted'. */
function refusal(run: () => unknown): string {
  try {
    run();
    return 'accepted';
  } catch (error) {
    if (error instanceof ConfigError) return error.field;
    throw error;
  }
}

const base = ['--db', 'pglite:memory', '--model', join(root, 'models/baseline')];

describe('settings from a file, the environment and flags', () => {
  it('takes the command line over the environment over the file', () => {
    const path = file('layers.json', { source: 'synthetic', 'max-position': 0.02, 'order-size': '0.004', json: true });
    const fromFile = paperSettings([...base, '--config', path], {});
    expect(fromFile).toMatchObject({ source: 'synthetic', maxPositionLots: 20, orderLots: 4, json: true });
    const fromEnv = paperSettings([...base, '--config', path], { LADDER_MAX_POSITION: '0.03' });
    expect(fromEnv).toMatchObject({ maxPositionLots: 30, orderLots: 4 });
    const fromFlag = paperSettings([...base, '--config', path, '--max-position', '0.05'], { LADDER_MAX_POSITION: '0.03' });
    expect(fromFlag).toMatchObject({ maxPositionLots: 50 });
    // LADDER_CONFIG names the file when --config is absent.
    expect(paperSettings(base, { LADDER_CONFIG: path })).toMatchObject({ source: 'synthetic', maxPositionLots: 20 });
  });

  it('takes the feed-quality floor from the flag, LADDER_FEED_QUALITY_FLOOR or the file, 0 to 100, and names a bad one', () => {
    expect(paperSettings(base, {})).toMatchObject({ feedQualityFloor: 60 });
    expect(paperSettings([...base, '--feed-quality-floor', '75'], {})).toMatchObject({ feedQualityFloor: 75 });
    expect(paperSettings(base, { LADDER_FEED_QUALITY_FLOOR: '0' })).toMatchObject({ feedQualityFloor: 0 });
    expect(paperSettings([...base, '--config', file('floor.json', { 'feed-quality-floor': '90' })], {})).toMatchObject({ feedQualityFloor: 90 });
    expect(liveSettings([...base, '--feed-quality-floor', '40'], KEYS)).toMatchObject({ feedQualityFloor: 40 });
    let message = '';
    try {
      paperSettings([...base, '--feed-quality-floor', '101'], {});
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toBe('--feed-quality-floor: 101 is outside 0..100');
    expect(refusal(() => paperSettings(base, { LADDER_FEED_QUALITY_FLOOR: 'high' }))).toBe('LADDER_FEED_QUALITY_FLOOR');
    expect(refusal(() => paperSettings([...base, '--feed-quality-floor', '-1'], {}))).toBe('--feed-quality-floor');
  });

  it('refuses a value of the wrong type, naming the file and key', () => {
    expect(refusal(() => paperSettings([...base, '--config', file('type.json', { 'max-position': true })], {}))).toBe(`${join(dir, 'type.json')}: max-position`);
    expect(refusal(() => paperSettings([...base, '--config', file('bool.json', { json: 'yes' })], {}))).toBe(`${join(dir, 'bool.json')}: json`);
    expect(refusal(() => paperSettings([...base, '--config', file('nested.json', { policy: { name: 'smart' } })], {}))).toBe(`${join(dir, 'nested.json')}: policy`);
  });

  it('names a bad value where the user wrote it: the file key, the variable or the flag', () => {
    const path = file('bad-value.json', { 'max-position': 'lots' });
    expect(refusal(() => paperSettings([...base, '--config', path], {}))).toBe(`${path}: max-position`);
    expect(refusal(() => paperSettings([...base], { LADDER_MAX_POSITION: 'lots' }))).toBe('LADDER_MAX_POSITION');
    expect(refusal(() => paperSettings([...base, '--max-position', 'lots'], {}))).toBe('--max-position');
    expect(refusal(() => paperSettings([...base], { LADDER_JSON: 'perhaps' }))).toBe('LADDER_JSON');
  });

  it('refuses an unknown key or variable, suggesting the near one, and keys in a file', () => {
    const path = file('unknown.json', { 'max-positon': '0.01' });
    let message = '';
    try {
      paperSettings([...base, '--config', path], {});
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain(`${path}: max-positon`);
    expect(message).toContain('did you mean "max-position"');
    expect(refusal(() => paperSettings(base, { LADDER_MAX_POSITON: '0.01' }))).toBe('LADDER_MAX_POSITON');
    const keys = file('keys.json', { 'api-key': 'abc' });
    expect(() => paperSettings([...base, '--config', keys], {})).toThrow(/environment only/);
    // A variable meant for app:live is no mistake for app:paper.
    expect(refusal(() => paperSettings(base, { LADDER_MAINNET: '0' }))).toBe('accepted');
    expect(refusal(() => paperSettings([...base, '--config', file('not-json.json', '{ source: ')], {}))).toBe('--config');
    expect(refusal(() => paperSettings([...base, '--config', join(dir, 'absent.json')], {}))).toBe('--config');
    expect(refusal(() => paperSettings([...base, '--config', file('array.json', [1])], {}))).toBe('--config');
  });

  it('maps flags to variables one to one', () => {
    for (const flag of Object.keys(PAPER_OPTIONS)) expect(envName(flag)).toMatch(/^LADDER_[A-Z0-9_]+$/);
    expect(layerConfig(PAPER_OPTIONS, {}, { LADDER_ON_STOP: 'keep' }).values['on-stop']).toBe('keep');
    expect(nearest('polcy', ['policy', 'capital'])).toBe('policy');
    expect(nearest('zzzzzz', ['policy', 'capital'])).toBeNull();
  });

  it('defaults app:paper to Bybit\'s live stream, and to replay when a file is given', () => {
    expect(paperSettings(base, {})).toMatchObject({ source: 'bybit' });
    expect(paperSettings([...base, '--input', join(root, 'test/fixtures/btcusdt-sample.jsonl')], {})).toMatchObject({ source: 'replay' });
  });

  it('asks for a token before serving the dashboard beyond this machine', () => {
    expect(refusal(() => paperSettings([...base, '--dashboard-host', '0.0.0.0'], {}))).toBe('--dashboard-host');
    expect(paperSettings([...base, '--dashboard-host', '0.0.0.0'], { LADDER_DASHBOARD_TOKEN: 'a-token-of-enough-length' })).toMatchObject({ dashboard: { host: '0.0.0.0', token: 'a-token-of-enough-length' } });
    expect(refusal(() => paperSettings(base, { LADDER_DASHBOARD_TOKEN: 'short' }))).toBe('LADDER_DASHBOARD_TOKEN');
    expect(paperSettings([...base, '--no-dashboard'], {})).toMatchObject({ dashboard: null });
  });
});

describe('app:live settings', () => {
  it('needs both keys from the environment', () => {
    expect(refusal(() => liveSettings(base, {}))).toBe('BYBIT_API_KEY');
    expect(refusal(() => liveSettings(base, { BYBIT_API_KEY: KEYS.BYBIT_API_KEY }))).toBe('BYBIT_API_SECRET');
    expect(refusal(() => liveSettings(base, { ...KEYS, BYBIT_API_SECRET: ' ' }))).toBe('BYBIT_API_SECRET');
    expect(liveSettings(base, KEYS)).toMatchObject({ network: 'testnet', source: 'bybit', url: 'wss://stream-testnet.bybit.com/v5/public/linear' });
  });

  it('takes live market data from Bybit or a JetStream stream, never a file or the synthetic market', () => {
    expect(liveSettings([...base, '--source', 'nats://127.0.0.1:4222/MD'], KEYS)).toMatchObject({ source: 'nats', url: 'nats://127.0.0.1:4222/MD' });
    expect(liveSettings([...base, '--source', 'bybit'], KEYS)).toMatchObject({ source: 'bybit' });
    expect(refusal(() => liveSettings([...base, '--source', 'synthetic'], KEYS))).toBe('--source');
  });

  it('trades mainnet only when confirmed by flag or variable', () => {
    expect(refusal(() => liveSettings([...base, '--mainnet'], KEYS))).toBe('--mainnet');
    expect(refusal(() => liveSettings([...base, '--confirm-mainnet'], KEYS))).toBe('--confirm-mainnet');
    expect(refusal(() => liveSettings([...base, '--mainnet', '--testnet', '--confirm-mainnet'], KEYS))).toBe('--testnet');
    expect(liveSettings([...base, '--mainnet', '--confirm-mainnet'], KEYS)).toMatchObject({ network: 'mainnet', url: 'wss://stream.bybit.com/v5/public/linear' });
    expect(liveSettings([...base, '--mainnet'], { ...KEYS, LADDER_CONFIRM_MAINNET: 'yes' })).toMatchObject({ network: 'mainnet' });
    expect(refusal(() => liveSettings([...base, '--mainnet'], { ...KEYS, LADDER_CONFIRM_MAINNET: 'no' }))).toBe('--mainnet');
  });

  it('never shows the keys: JSON, inspection, strings and log lines print them redacted', () => {
    const config = liveSettings(base, KEYS);
    if (config === 'help') throw new Error('unexpected help');
    const lines: string[] = [];
    const sink = new Writable({ write: (chunk, _e, done) => { lines.push(String(chunk)); done(); } });
    const logger = createPinoLogger({ level: 'debug', destination: sink });
    logger.info({ config }, 'settings');
    logger.info({ apiKey: config.apiKey.reveal(), nested: { apiSecret: config.apiSecret.reveal() } }, 'keys by name');
    const texts = [JSON.stringify(config), inspect(config, { depth: 5 }), `${String(config.apiKey)} ${String(config.apiSecret)}`, ...lines];
    return new Promise<void>((resolve) => setTimeout(() => {
      const all = [...texts, ...lines].join('\n');
      expect(lines.length).toBeGreaterThanOrEqual(2);
      expect(all).not.toContain(KEYS.BYBIT_API_KEY);
      expect(all).not.toContain(KEYS.BYBIT_API_SECRET);
      expect(all).toContain('[redacted]');
      expect(config.apiSecret.reveal()).toBe(KEYS.BYBIT_API_SECRET);
      resolve();
    }, 50));
  });
});

describe('a refused configuration connects to nothing', () => {
  let http: Server;
  let wss: WebSocketServer;
  let requests = 0;
  let sockets = 0;
  let restUrl = '';
  let wsUrl = '';

  beforeAll(async () => {
    http = createServer((_req, res) => {
      requests++;
      res.end('{}');
    });
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    restUrl = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
    wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    wss.on('connection', () => sockets++);
    await new Promise<void>((r) => wss.once('listening', r));
    wsUrl = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise((r) => http.close(r));
    await new Promise((r) => wss.close(r));
  });

  it.each([
    ['a wrong type', ['--capital', 'lots'], KEYS, '--capital'],
    ['an unknown key', ['--config', 'unknown.json'], KEYS, 'max-positon'],
    ['mainnet without confirmation', ['--mainnet'], KEYS, '--mainnet'],
    ['missing keys', [], {}, 'BYBIT_API_KEY'],
  ] as const)('app:live with %s stops before any connection', async (_what, extra, env, field) => {
    const { liveCommand } = await import('../../composition/run-command.ts');
    const args = [...base, '--url', wsUrl, '--rest-url', restUrl, '--private-url', wsUrl, ...extra.map((a) => (a === 'unknown.json' ? join(dir, 'unknown.json') : a))];
    const saved = { ...process.env };
    try {
      delete process.env.BYBIT_API_KEY;
      delete process.env.BYBIT_API_SECRET;
      Object.assign(process.env, env);
      await expect(liveCommand(args, () => undefined)).rejects.toThrow(field);
    } finally {
      process.env = saved;
    }
    expect(requests).toBe(0);
    expect(sockets).toBe(0);
  });
});
