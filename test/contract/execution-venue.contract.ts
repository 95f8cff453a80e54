import { afterEach, describe, expect, it } from 'vitest';
import { VENUE_REASONS, type AmendRequest, type ExecutionReport, type ExecutionVenue, type OrderRequest } from '../../application/ports/execution-venue.ts';
import type { Fill } from '../../domain/trading/fill.ts';
import type { Side } from '../../domain/trading/side.ts';
import type { Lots, Micros, Ticks } from '../../domain/values/units.ts';

/** Levels as [price in ticks, size in lots], best first. */
export type HarnessLevels = ReadonlyArray<readonly [number, number]>;

/**
 * What the contract needs from a venue under test: the venue, and a market it can shape. On the
 * simulator the harness feeds the book and trades itself; a Bybit gateway harness (testnet) would
 * place and take the levels and trades with a second account, around a reference price of its
 * choosing. Prices are ticks, sizes lots; `ref` is a price far enough from anything else resting that
 * the levels the cases ask for are the touch.
 */
export interface VenueHarness {
  readonly venue: ExecutionVenue;
  readonly symbol: string;
  readonly ref: number;
  /** Venue time to stamp requests with. */
  now(): Micros;
  /** Makes the visible book show these levels (and nothing nearer the touch). */
  setBook(bids: HarnessLevels, asks: HarnessLevels): Promise<void>;
  /**
   * Makes another participant trade `size` lots at `price` as a taker of `takerSide`. It must happen
   * sooner after the call than a request sent just before the call takes to reach the venue.
   */
  trade(price: number, size: number, takerSide: Side): Promise<void>;
  /** Lets time pass until every request in flight has been answered and its reports delivered. */
  settle(): Promise<void>;
  close?(): Promise<void>;
}

/** Runs the cases every execution venue must pass, on venues made by `makeHarness`. */
export function runVenueContract(name: string, makeHarness: () => Promise<VenueHarness>): void {
  describe(`execution venue contract: ${name}`, () => {
    let current: VenueHarness | null = null;
    let reports: ExecutionReport[] = [];
    let nextId = 1;

    afterEach(async () => {
      await current?.close?.();
      current = null;
    });

    async function start(): Promise<VenueHarness> {
      const h = await makeHarness();
      current = h;
      reports = [];
      h.venue.onReport((r) => reports.push(r));
      await h.setBook([[h.ref - 1, 5]], [[h.ref + 2, 5]]);
      return h;
    }

    async function send(h: VenueHarness, over: Partial<OrderRequest>): Promise<string> {
      const clientOrderId = `k${nextId++}-${Date.now() % 1_000_000}`;
      const order: OrderRequest = {
        clientOrderId,
        symbol: h.symbol,
        side: 'Buy',
        type: 'limit',
        qty: 5 as Lots,
        limitPrice: h.ref as Ticks,
        reduceOnly: false,
        ts: h.now(),
        ...over,
      };
      reports.push(...(await h.venue.submit(order)));
      return clientOrderId;
    }

    async function cancel(h: VenueHarness, id: string): Promise<void> {
      reports.push(...(await h.venue.cancel(id, h.now())));
    }

    async function amend(h: VenueHarness, id: string, change: AmendRequest): Promise<void> {
      if (h.venue.amend === undefined) throw new Error(`${h.venue.name} does not amend`);
      reports.push(...(await h.venue.amend(id, change, h.now())));
    }

    const about = (id: string): ExecutionReport[] => reports.filter((r) => (r.kind === 'fill' ? r.fill.orderId === id : r.kind !== 'funding' && r.clientOrderId === id));
    const kinds = (id: string): string[] => about(id).map((r) => r.kind);
    const fillsOf = (id: string): Fill[] => about(id).flatMap((r) => (r.kind === 'fill' ? [r.fill] : []));
    const filledLots = (id: string): number => fillsOf(id).reduce((sum, f) => sum + f.qty, 0);
    const last = (id: string): ExecutionReport | undefined => about(id).at(-1);

    it('places a limit order that rests: accepted with a venue id, nothing else', async () => {
      const h = await start();
      const id = await send(h, {});
      await h.settle();
      expect(kinds(id)).toEqual(['accepted']);
      expect(about(id)[0]).toMatchObject({ kind: 'accepted', venueOrderId: expect.stringMatching(/.+/) });
    });

    it('fills a resting order partly with a trade smaller than it, as maker at its price', async () => {
      const h = await start();
      const id = await send(h, { qty: 5 as Lots });
      await h.settle();
      await h.trade(h.ref, 2, 'Sell');
      await h.settle();
      expect(kinds(id)).toEqual(['accepted', 'fill']);
      expect(fillsOf(id).map((f) => [f.side, f.price, f.qty, f.liquidity])).toEqual([['Buy', h.ref, 2, 'maker']]);
    });

    it('cancels a resting order on request, and refuses to cancel it twice', async () => {
      const h = await start();
      const id = await send(h, {});
      await h.settle();
      await cancel(h, id);
      await h.settle();
      expect(kinds(id)).toEqual(['accepted', 'canceled']);
      expect(last(id)).toMatchObject({ reason: expect.stringMatching(new RegExp(`^${VENUE_REASONS.canceledByRequest}`)) });
      await cancel(h, id);
      await h.settle();
      expect(last(id)).toMatchObject({ kind: 'cancelRejected', reason: expect.stringMatching(new RegExp(`^${VENUE_REASONS.unknownOrder}`)) });
    });

    it('rejects a post-only order that would take liquidity, without a fill', async () => {
      const h = await start();
      const id = await send(h, { timeInForce: 'PostOnly', limitPrice: (h.ref + 2) as Ticks });
      await h.settle();
      expect(fillsOf(id)).toEqual([]);
      expect(last(id)).toMatchObject({ kind: 'rejected', reason: expect.stringMatching(new RegExp(`^${VENUE_REASONS.postOnly}`)) });
    });

    it('honours reduce-only: refused when flat, clipped to the position otherwise', async () => {
      const h = await start();
      const up = await send(h, { side: 'Sell', type: 'market', limitPrice: null, qty: 2 as Lots, reduceOnly: true });
      await h.settle();
      expect(last(up)).toMatchObject({ kind: 'rejected', reason: expect.stringMatching(new RegExp(`^${VENUE_REASONS.reduceOnly}`)) });
      const open = await send(h, { type: 'market', limitPrice: null, qty: 2 as Lots });
      await h.settle();
      expect(filledLots(open)).toBe(2);
      const close = await send(h, { side: 'Sell', type: 'market', limitPrice: null, qty: 5 as Lots, reduceOnly: true });
      await h.settle();
      expect(filledLots(close)).toBe(2);
      expect(kinds(close).at(-1)).toBe('canceled');
    });

    it('reports a fill that beat the cancel request, then cancels the rest', async () => {
      const h = await start();
      const id = await send(h, { qty: 5 as Lots });
      await h.settle();
      await cancel(h, id);
      await h.trade(h.ref, 2, 'Sell');
      await h.settle();
      expect(kinds(id)).toEqual(['accepted', 'fill', 'canceled']);
      expect(filledLots(id)).toBe(2);
    });

    it('reports a full fill that beat the cancel request, and the cancel as too late', async () => {
      const h = await start();
      const id = await send(h, { qty: 2 as Lots });
      await h.settle();
      await cancel(h, id);
      await h.trade(h.ref, 3, 'Sell');
      await h.settle();
      expect(filledLots(id)).toBe(2);
      expect(kinds(id)).toEqual(['accepted', 'fill', 'cancelRejected']);
    });

    it('amends a resting order\'s price in place: the same order, filled at its new price as maker', async () => {
      const h = await start();
      const id = await send(h, { timeInForce: 'PostOnly', qty: 5 as Lots });
      await h.settle();
      await amend(h, id, { limitPrice: (h.ref + 1) as Ticks });
      await h.settle();
      expect(kinds(id)).toEqual(['accepted', 'amended']);
      expect(last(id)).toMatchObject({ kind: 'amended', qty: 5, limitPrice: h.ref + 1 });
      await h.trade(h.ref + 1, 2, 'Sell');
      await h.settle();
      expect(kinds(id)).toEqual(['accepted', 'amended', 'fill']);
      expect(fillsOf(id).map((f) => [f.price, f.qty, f.liquidity])).toEqual([[h.ref + 1, 2, 'maker']]);
    });

    it('amends a partly filled order\'s quantity down, and its rest fills to the new total', async () => {
      const h = await start();
      const id = await send(h, { qty: 5 as Lots });
      await h.settle();
      await h.trade(h.ref, 2, 'Sell');
      await h.settle();
      await amend(h, id, { qty: 3 as Lots });
      await h.settle();
      expect(last(id)).toMatchObject({ kind: 'amended', qty: 3, limitPrice: h.ref });
      await h.trade(h.ref, 4, 'Sell');
      await h.settle();
      expect(filledLots(id)).toBe(3);
    });

    it('refuses to amend an order that filled meanwhile, and one that would change nothing', async () => {
      const h = await start();
      const id = await send(h, { qty: 2 as Lots });
      await h.settle();
      await amend(h, id, { limitPrice: h.ref as Ticks });
      await h.settle();
      expect(last(id)).toMatchObject({ kind: 'amendRejected', reason: expect.stringMatching(new RegExp(`^${VENUE_REASONS.unchanged}`)) });
      await h.trade(h.ref, 3, 'Sell');
      await h.settle();
      await amend(h, id, { limitPrice: (h.ref + 1) as Ticks });
      await h.settle();
      expect(filledLots(id)).toBe(2);
      expect(last(id)).toMatchObject({ kind: 'amendRejected', reason: expect.stringMatching(new RegExp(`^${VENUE_REASONS.unknownOrder}`)) });
      expect(kinds(id).filter((k) => k === 'amended')).toEqual([]);
    });
  });
}
