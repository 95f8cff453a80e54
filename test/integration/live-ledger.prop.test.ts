import { describe, expect } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { BatchedWriter } from '../../application/batched-writer.ts';
import { ExecutionEngine } from '../../application/execution-engine.ts';
import { OrderFlow } from '../../application/order-flow.ts';
import { BybitGateway } from '../../adapters/bybit/gateway/bybit-gateway.ts';
import type { CcxtBybitSlice, WithInfo } from '../../adapters/bybit/gateway/ccxt-slice.ts';
import { executionSettings } from '../../composition/execution-settings.ts';
import { lotsToQty } from '../../domain/values/instrument.ts';
import type { Lots, Micros } from '../../domain/values/units.ts';
import { btc } from '../support/builders.ts';
import { MemoryStore, RecordingLogger } from '../support/fakes.ts';

/*
 * The property behind the live fault suite: whatever the interleaving of stream messages (late,
 * repeated, lost), REST reconciliations and faults (a stream drop, a position moved with no
 * execution to show it), each execution id is applied once, and after a reconciliation the run's
 * position is the exchange's: the sum of its executions plus the corrections it stated.
 */

type Json = Record<string, unknown>;

/** Bybit's REST as the gateway reads it, over an account the test moves: executions and a position. */
class PaperBybit implements CcxtBybitSlice {
  readonly options: Record<string, unknown> = {};
  readonly executions: Json[] = [];
  lots = 0;
  private ms = 1_700_000_000_000;

  execute(side: 'Buy' | 'Sell', qty: number, orderLinkId: string): Json {
    this.ms += 7;
    const exec = {
      category: 'linear', symbol: 'BTCUSDT', execId: `x${this.executions.length + 1}`, orderId: `o-${orderLinkId}`, orderLinkId, side, execType: 'Trade',
      execPrice: '90000.0', execQty: lotsToQty(btc, qty as Lots), execFee: '0.01', isMaker: false, execTime: String(this.ms),
    };
    this.executions.push(exec);
    this.lots += side === 'Buy' ? qty : -qty;
    return exec;
  }

  positionJson(): Json {
    return { symbol: 'BTCUSDT', side: this.lots > 0 ? 'Buy' : this.lots < 0 ? 'Sell' : '', size: lotsToQty(btc, Math.abs(this.lots) as Lots), avgPrice: '90000.0', updatedTime: String(this.ms) };
  }

  loadMarkets(): Promise<unknown> {
    return Promise.resolve({});
  }
  market(): WithInfo & { id: string; symbol: string } {
    return { id: 'BTCUSDT', symbol: 'BTC/USDT:USDT', info: {} };
  }
  createOrder(): Promise<WithInfo> {
    return Promise.reject(new Error('not in this test'));
  }
  cancelOrder(): Promise<WithInfo> {
    return Promise.reject(new Error('not in this test'));
  }
  editOrder(): Promise<WithInfo> {
    return Promise.reject(new Error('not in this test'));
  }
  cancelAllOrders(): Promise<unknown> {
    return Promise.resolve({});
  }
  fetchOpenOrders(): Promise<WithInfo[]> {
    return Promise.resolve([]);
  }
  /** Newest first, `limit` a page, from `since` (ms), a cursor of the next page's offset. */
  fetchMyTrades(_symbol: string, since?: number, limit = 50, params: Json = {}): Promise<WithInfo[]> {
    const chosen = [...this.executions].reverse().filter((e) => e.execType === params.execType && (since === undefined || Number(e.execTime) >= since));
    const from = typeof params.cursor === 'string' ? Number(params.cursor) : 0;
    const page = chosen.slice(from, from + limit);
    return Promise.resolve(page.map((e) => ({ info: { ...e, nextPageCursor: String(from + page.length) } })));
  }
  fetchPositions(): Promise<WithInfo[]> {
    return Promise.resolve([{ info: this.positionJson() }]);
  }
  fetchTime(): Promise<number> {
    return Promise.resolve(Date.now());
  }
  privatePostV5OrderDisconnectedCancelAll(): Promise<unknown> {
    return Promise.resolve({});
  }
}

type Step =
  | { readonly k: 'trade'; readonly buy: boolean; readonly qty: number; readonly shown: boolean; readonly twice: boolean; readonly foreign: boolean }
  | { readonly k: 'redeliver'; readonly back: number }
  | { readonly k: 'reconcile' }
  | { readonly k: 'position' }
  | { readonly k: 'unseen'; readonly lots: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ k: fc.constant('trade' as const), buy: fc.boolean(), qty: fc.integer({ min: 1, max: 9 }), shown: fc.boolean(), twice: fc.boolean(), foreign: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('redeliver' as const), back: fc.nat(20) }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('reconcile' as const) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('position' as const) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('unseen' as const), lots: fc.integer({ min: -5, max: 5 }).filter((n) => n !== 0) }) },
);

describe('the live ledger', () => {
  test.prop([fc.integer({ min: -20, max: 20 }), fc.array(step, { maxLength: 40 })], { numRuns: 150 })(
    'applies each execution once and ends at the exchange\'s position, whatever arrives how often and in what order',
    async (opening, steps) => {
      const bybit = new PaperBybit();
      // History before the run: executions the run must not replay, and the position they built.
      if (opening !== 0) bybit.execute(opening > 0 ? 'Buy' : 'Sell', Math.abs(opening), 'before');
      const logger = new RecordingLogger();
      const gateway = new BybitGateway(btc, bybit, {
        network: 'testnet', apiKey: 'k', apiSecret: 's', symbol: 'BTCUSDT', clock: { nowMicros: () => (Date.now() * 1000) as Micros }, logger,
      });
      await gateway.reconcile('start');
      const store = new MemoryStore();
      const writer = new BatchedWriter(store, logger, { batchRows: 1_000_000 });
      const orders = new OrderFlow(btc, gateway, writer, logger, 'p', 'Lp');
      const settings = executionSettings({ policy: 'baseline', capitalUsdt: 100_000, maxPositionLots: 1_000 as Lots, threshold: 0.5 });
      new ExecutionEngine(btc, settings, orders, logger, () => undefined, 1_000_000, () => (Date.now() * 1000) as Micros);
      expect(orders.position.qty).toBe(opening);

      let unseen = 0;
      for (const s of steps) {
        switch (s.k) {
          case 'trade': {
            const exec = bybit.execute(s.buy ? 'Buy' : 'Sell', s.qty, s.foreign ? '' : `Lp-${bybit.executions.length}`);
            if (s.shown) gateway.onStream('execution', [exec]);
            if (s.shown && s.twice) gateway.onStream('execution', [exec]);
            break;
          }
          case 'redeliver': {
            const exec = bybit.executions.at(Math.max(0, bybit.executions.length - 1 - s.back));
            if (exec !== undefined) gateway.onStream('execution', [exec]);
            break;
          }
          case 'reconcile':
            await gateway.reconcile('test');
            break;
          case 'position':
            gateway.onStream('position', [bybit.positionJson()]);
            break;
          case 'unseen':
            // The position moves with no execution to show it (a liquidation the gateway does not read).
            bybit.lots += s.lots;
            unseen += s.lots;
            break;
        }
      }
      await gateway.reconcile('end');
      await gateway.close();
      await writer.flush();

      const runExecutions = bybit.executions.filter((e) => e.orderLinkId !== 'before').map((e) => String(e.execId));
      const stored = store.fills.map((f) => f.fill.tradeId);
      expect(new Set(stored).size).toBe(stored.length);
      expect([...stored].sort()).toEqual([...runExecutions].sort());
      expect(orders.position.qty).toBe(bybit.lots);
      const sum = bybit.executions.reduce((a, e) => a + (e.side === 'Buy' ? 1 : -1) * Number(e.execQty) * 1000, 0);
      expect(orders.position.qty - unseen).toBe(Math.round(sum));
    },
  );
});
