import { createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { doctorCommand } from '../../composition/doctor-command.ts';
import { migrations } from '../../migrations/index.ts';
import { createStore } from '../../adapters/postgres/connect.ts';
import { SCHEMA_STAMP } from '../../adapters/postgres/schema-stamp.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const KEYS = { BYBIT_API_KEY: 'doctor-key', BYBIT_API_SECRET: 'doctor-secret' };

/** Bybit's clock as this server tells it, relative to this machine's. */
let skewMs = 0;
let tickSize = '0.10';
let http: Server;
let wss: WebSocketServer;
let rest = '';
let stream = '';

beforeAll(async () => {
  // The part of Bybit's v5 REST API the doctor asks, with Bybit's signature check on the private call.
  http = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const send = (body: unknown): void => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(body));
    };
    if (url.pathname === '/v5/market/time') {
      const ms = Date.now() + skewMs;
      send({ retCode: 0, retMsg: 'OK', result: { timeSecond: String(Math.floor(ms / 1000)), timeNano: `${ms}000000` } });
    } else if (url.pathname === '/v5/market/instruments-info') {
      send({ retCode: 0, retMsg: 'OK', result: { category: 'linear', list: [{ symbol: url.searchParams.get('symbol'), priceFilter: { tickSize }, lotSizeFilter: { qtyStep: '0.001', minOrderQty: '0.001' } }] } });
    } else if (url.pathname === '/v5/user/query-api') {
      const h = req.headers;
      const expected = createHmac('sha256', KEYS.BYBIT_API_SECRET).update(`${String(h['x-bapi-timestamp'])}${String(h['x-bapi-api-key'])}${String(h['x-bapi-recv-window'])}`).digest('hex');
      if (h['x-bapi-api-key'] !== KEYS.BYBIT_API_KEY || h['x-bapi-sign'] !== expected) send({ retCode: 10004, retMsg: 'error sign!', result: {} });
      else send({ retCode: 0, retMsg: '', result: { readOnly: 0, permissions: { ContractTrade: ['Order', 'Position'] } } });
    } else {
      res.statusCode = 404;
      res.end();
    }
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  rest = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((r) => wss.once('listening', r));
  stream = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/v5/public/linear`;
});

afterAll(async () => {
  await new Promise((r) => http.close(r));
  await new Promise((r) => wss.close(r));
});

async function doctor(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; text: string }> {
  const lines: string[] = [];
  const code = await doctorCommand(args, (t) => lines.push(t), env);
  return { code, text: lines.join('\n') };
}

const base = () => ['--db', 'pglite:memory', '--url', stream, '--rest-url', rest];

describe('ladder doctor', { timeout: 240_000 }, () => {
  it('passes a sound setup, checking each part', async () => {
    skewMs = 0;
    tickSize = '0.10';
    const { code, text } = await doctor(base());
    expect(text).toMatch(/ok +settings/);
    const count = Object.keys(migrations).length;
    expect(text).toMatch(new RegExp(`warn +database +pglite:memory: ${count} of ${count} migrations pending`));
    expect(text).toMatch(/ok +model +synthetic-gbdt-v1/);
    expect(text).toMatch(/ok +clock +[+-]\d+ ms against the exchange/);
    expect(text).toMatch(/ok +exchange .*BTCUSDT tick 0.10, lot 0.001/);
    expect(text).toMatch(/ok +stream/);
    expect(text).toContain('nothing to fix');
    expect(code).toBe(0);
  });

  it('fails a clock far off the exchange\'s and says how to fix it', async () => {
    skewMs = 9000;
    const { code, text } = await doctor(base());
    skewMs = 0;
    // Half the round trip is allowed for: the offset is about -9 s, not exactly.
    const offset = Number(/FAIL +clock +(-?\d+) ms/.exec(text)?.[1]);
    expect(offset).toBeGreaterThan(-9500);
    expect(offset).toBeLessThan(-8500);
    expect(text).toContain('NTP');
    expect(code).toBe(1);
  });

  it('warns of an instrument whose tick differs from the built-in one', async () => {
    tickSize = '0.50';
    const { text } = await doctor(base());
    tickSize = '0.10';
    expect(text).toMatch(/warn +exchange .*tick 0.50/);
  });

  it('names a refused setting and stops there', async () => {
    const { code, text } = await doctor([...base(), '--model', join(root, 'no-such-model')]);
    expect(text).toMatch(/FAIL +settings +--model: model directory not found/);
    expect(text).toContain('fix: correct --model');
    expect(code).toBe(1);
  });

  it('fails a database that does not answer', async () => {
    const { code, text } = await doctor(['--db', 'postgres://postgres@127.0.0.1:1/none', '--url', stream, '--rest-url', rest]);
    expect(text).toMatch(/FAIL +database/);
    expect(code).toBe(1);
  });

  it('checks app:live keys with a signed request, and names a refused key', async () => {
    const ok = await doctor(['--live', ...base()], KEYS);
    expect(ok.text).toMatch(/ok +keys +accepted by testnet, may trade contracts/);
    const bad = await doctor(['--live', ...base()], { ...KEYS, BYBIT_API_SECRET: 'wrong-secret' });
    expect(bad.text).toMatch(/FAIL +keys +refused by testnet: error sign!/);
    expect(bad.text).not.toContain('wrong-secret');
    expect(bad.code).toBe(1);
    const none = await doctor(['--live', ...base()], {});
    expect(none.text).toMatch(/FAIL +settings +BYBIT_API_KEY: not set/);
  });

  it('fails, without network, when the default run needs Bybit and cannot reach it; passes an offline run', async () => {
    const away = ['--db', 'pglite:memory', '--url', 'ws://127.0.0.1:1/x', '--rest-url', 'http://127.0.0.1:1', '--timeout-ms', '500'];
    const { code, text } = await doctor(away);
    expect(text).toMatch(/warn +clock +not checked/);
    expect(text).toMatch(/FAIL +exchange +not checked/);
    expect(text).toMatch(/FAIL +stream +ws:\/\/127\.0\.0\.1:1\/x/);
    expect(text).toMatch(/ok +disk +[\d,]+ MB free in /);
    expect(text.split('\n').at(-1)).toMatch(/^\d checks failed: app:paper \(Bybit's public stream, the default of "npm run app:paper"\) cannot run; offline runs can: "npm run app:paper -- --source synthetic"/);
    expect(code).toBe(1);
    const offline = await doctor(['--source', 'synthetic', ...away]);
    expect(offline.text.split('\n').at(-1)).toBe('nothing to fix: app:paper --source synthetic can run');
    expect(offline.code).toBe(0);
  });

  it('judges an embedded store from its files: applied, damaged, newer than the code, in a path that cannot be a directory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ladder-doctor-store-'));
    try {
      const data = join(dir, 'store');
      const offline = (db: string) => doctor(['--source', 'synthetic', '--db', db, '--url', stream, '--rest-url', rest]);
      const count = Object.keys(migrations).length;
      expect((await offline(`pglite:${data}`)).text).toMatch(new RegExp(`ok +database +pglite:${data}: not created yet; the first run creates it and applies the ${count} migrations`));
      // As a run leaves it: migrated, with its stamp.
      const store = await createStore({ kind: 'pglite', dataDir: data });
      await store.migrate();
      await store.close();
      const sound = await offline(`pglite:${data}`);
      expect(sound.text).toMatch(new RegExp(`ok +database +pglite:${data}: ${count} migrations applied`));
      expect(sound.code).toBe(0);

      const stampFile = join(data, SCHEMA_STAMP);
      const stamp = JSON.parse(readFileSync(stampFile, 'utf8')) as { migrations: string[] };
      writeFileSync(stampFile, JSON.stringify({ ...stamp, migrations: [...stamp.migrations, '9999-from-the-future'] }));
      const newer = await offline(`pglite:${data}`);
      expect(newer.text).toMatch(/FAIL +database +.*its schema is newer than this code \(migrations 9999-from-the-future unknown here\)/);
      expect(newer.code).toBe(1);

      rmSync(join(data, 'global/pg_control'));
      const damaged = await offline(`pglite:${data}`);
      expect(damaged.text).toMatch(/FAIL +database +.*not a PostgreSQL data directory, or a damaged one \(no global\/pg_control\)/);
      expect(damaged.code).toBe(1);

      writeFileSync(join(dir, 'a-file'), 'not a directory');
      const blocked = await offline(`pglite:${join(dir, 'a-file', 'store')}`);
      expect(blocked.text).toMatch(/FAIL +database +.*a-file is not a directory/);
      expect(blocked.code).toBe(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
