import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runLive } from '../../composition/live.ts';
import { liveSettings } from '../../composition/run-command.ts';
import type { LiveConfig } from '../../composition/live-config.ts';
import type { BybitTestServer } from '../support/bybit-server.ts';
import type { BybitV5Server } from '../support/bybit-v5-server.ts';
import { startLiveRig } from '../support/live-servers.ts';
import { RecordingLogger } from '../support/fakes.ts';
import { defaultModelAt } from '../support/models.ts';
import type { TradingStore } from '../../application/ports/trading-store.ts';

const KEYS = { BYBIT_API_KEY: 'live-test-key', BYBIT_API_SECRET: 'live-test-secret' };
/** The public market's random walk starts at this best bid (ticks of 0.1 USDT). */
const START_TICKS = 650_000;

let publicStream: BybitTestServer;
let exchange: BybitV5Server;

beforeAll(async () => {
  ({ publicStream, exchange } = await startLiveRig(KEYS, START_TICKS));
});

afterAll(async () => {
  await publicStream?.close();
  await exchange?.close();
});

describe('app:live against a local Bybit', { timeout: 120_000 }, () => {
  it('trades through the gateway: same core, orders on the exchange with their orderLinkId, fills stored once, position as the exchange states it', async () => {
    const config = liveSettings(
      ['--url', publicStream.url, '--rest-url', exchange.restUrl, '--private-url', exchange.privateWsUrl, '--db', 'pglite:memory',
        '--duration', '12s', '--no-dashboard', '--model', defaultModelAt(0.4), '--policy', 'baseline', '--capital', '100000', '--max-position', '0.5'],
      KEYS,
    ) as LiveConfig;
    const logger = new RecordingLogger();
    let stored: { orders: string[]; fills: number; positionLots: number | null; mode: string | null } | null = null;
    const result = await runLive(config, {
      logger,
      env: {},
      afterRun: async (store: TradingStore, runId: string) => {
        const orders = await store.readOrders(runId);
        const fills = await store.readFills(runId);
        const run = await store.readRun(runId);
        stored = { orders: orders.map((o) => o.id), fills: fills.length, positionLots: null, mode: run?.mode ?? null };
      },
    });
    expect(result.mode).toBe('live');
    expect(result.venue).toBe('bybit-testnet');
    expect(stored!.mode).toBe('live');
    const paths = exchange.requests.map((r) => r.path);
    // Specs from the exchange, then reconciliation: open orders, executions and the position.
    expect(paths).toContain('/v5/market/instruments-info');
    expect(paths).toContain('/v5/order/realtime');
    expect(paths).toContain('/v5/execution/list');
    expect(paths).toContain('/v5/position/list');
    expect(result.summary.counters.predictions).toBeGreaterThan(0);
    expect(result.summary.orders.orders).toBeGreaterThan(0);
    // Every stored order reached the exchange under its own orderLinkId, once.
    const links = exchange.requests.filter((r) => r.path === '/v5/order/create').map((r) => (JSON.parse(r.body) as { orderLinkId: string }).orderLinkId);
    expect(new Set(links).size).toBe(links.length);
    expect([...stored!.orders].sort()).toEqual([...links].sort());
    // Fills: each of the exchange's executions recorded once; the position is the exchange's.
    expect(stored!.fills).toBe(exchange.execIds().length);
    expect(result.summary.position.qty).toBe((exchange.positionLots() / 1000).toFixed(3));
    const text = logger.lines.map((l) => JSON.stringify(l)).join('\n');
    expect(text).not.toContain(KEYS.BYBIT_API_SECRET);
  });
});
