import { fileURLToPath } from 'node:url';
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import type { Clock } from '../../application/ports/clock.ts';
import { parseBybitFrame } from '../../adapters/bybit/parse.ts';
import { readFrameLines } from '../../adapters/replay/frame-reader.ts';
import { pace, PaceSchedule, receiveTime, timerSleep, venueTime, type Sleep } from '../../adapters/replay/pacing.ts';
import type { MarketEvent } from '../../domain/market/market-event.ts';
import type { Micros } from '../../domain/values/units.ts';

/** A clock that moves only when the fake sleep (or the test) moves it. */
class FakeTime implements Clock {
  readonly sleeps: number[] = [];
  constructor(public now = 5_000_000) {}
  nowMicros(): Micros {
    return this.now as Micros;
  }
  readonly sleep: Sleep = (micros) => {
    this.sleeps.push(micros);
    this.now += micros;
    return Promise.resolve();
  };
}

async function* from<T>(items: readonly T[]): AsyncGenerator<T> {
  for (const item of items) yield await Promise.resolve(item);
}

interface Item {
  readonly id: number;
  readonly at: number | null;
}
const timeOf = (item: Item): Micros | null => item.at as Micros | null;

/** Replays `items` and notes the clock at which each was handed over. */
async function deliveries(items: readonly Item[], speed: number | 'max', time: FakeTime, work = 0): Promise<Array<[number, number]>> {
  const out: Array<[number, number]> = [];
  for await (const item of pace(from(items), { speed, clock: time, sleep: time.sleep, timeOf })) {
    out.push([item.id, time.now]);
    time.now += work;
  }
  return out;
}

describe('pace', () => {
  const t0 = 1_733_011_200_000_000;
  const items: Item[] = [
    { id: 1, at: t0 },
    { id: 2, at: t0 + 100_000 },
    { id: 3, at: t0 + 100_000 },
    { id: 4, at: null },
    { id: 5, at: t0 + 350_000 },
  ];

  it('hands items over at their recorded spacing', async () => {
    const time = new FakeTime();
    const start = time.now;
    expect(await deliveries(items, 1, time)).toEqual([
      [1, start],
      [2, start + 100_000],
      [3, start + 100_000],
      [4, start + 100_000],
      [5, start + 350_000],
    ]);
    expect(time.sleeps).toEqual([100_000, 250_000]);
  });

  it('divides the waits by the speed', async () => {
    const time = new FakeTime();
    const start = time.now;
    expect((await deliveries(items, 4, time)).map(([, at]) => at - start)).toEqual([0, 25_000, 25_000, 25_000, 87_500]);
    const slow = new FakeTime();
    expect((await deliveries(items, 0.5, slow)).map(([, at]) => at - slow.now)).toEqual([-700_000, -500_000, -500_000, -500_000, 0]);
  });

  it('never waits at max speed', async () => {
    const time = new FakeTime();
    const got = await deliveries(items, 'max', time);
    expect(got.map(([id]) => id)).toEqual([1, 2, 3, 4, 5]);
    expect(time.sleeps).toEqual([]);
  });

  it('keeps to the recorded timeline when the consumer is slow: late items go at once', async () => {
    const time = new FakeTime();
    const start = time.now;
    // Each item takes the consumer 120 ms.
    const got = await deliveries(items, 1, time, 120_000);
    expect(got.map(([, at]) => at - start)).toEqual([0, 120_000, 240_000, 360_000, 480_000]);
    expect(time.sleeps).toEqual([]);
  });

  it('sends an item recorded earlier than the one before it at once', async () => {
    const time = new FakeTime();
    const start = time.now;
    const shuffled: Item[] = [
      { id: 1, at: t0 },
      { id: 2, at: t0 + 200_000 },
      { id: 3, at: t0 + 50_000 },
      { id: 4, at: t0 + 300_000 },
    ];
    expect((await deliveries(shuffled, 1, time)).map(([, at]) => at - start)).toEqual([0, 200_000, 200_000, 300_000]);
  });

  // Shrunk from the property below: the timeline starts at the first timed item, not the first item.
  it('anchors the timeline on the first timed item, after untimed ones and a slow consumer', async () => {
    const time = new FakeTime();
    const start = time.now;
    const got = await deliveries([{ id: 1, at: null }, { id: 2, at: 0 }, { id: 3, at: 1 }], 0.01, time, 1);
    expect(got.map(([, at]) => at - start)).toEqual([0, 1, 101]);
  });

  it.each([0, -1, Number.NaN, Number.POSITIVE_INFINITY])('refuses a speed of %d', (speed) => {
    expect(() => new PaceSchedule(speed)).toThrow(RangeError);
  });

  test.prop([fc.array(fc.option(fc.nat({ max: 10_000_000 }), { nil: null }), { maxLength: 40 }), fc.double({ min: 0.01, max: 1000, noNaN: true }), fc.nat({ max: 50_000 })])(
    'hands each item over when it is due on the timeline of the first timed item, or at once when late',
    async (offsets, speed, work) => {
      const time = new FakeTime();
      const list = offsets.map((o, id) => ({ id, at: o === null ? null : 1_000_000_000 + o }));
      const got = await deliveries(list, speed, time, work);
      expect(got.map(([id]) => id)).toEqual(list.map((i) => i.id));
      // A model of the timeline: the clock when each item is ready to go, and when it is due.
      let now = 5_000_000;
      let anchor: { at: number; wall: number } | null = null;
      got.forEach(([id, deliveredAt]) => {
        const at = list[id].at;
        let expected = now;
        if (at !== null && anchor === null) anchor = { at, wall: now };
        else if (at !== null && anchor !== null) expected = Math.max(now, Math.ceil(anchor.wall + (at - anchor.at) / speed));
        // Whole microseconds: the sum of the float due time may round either way by one.
        expect(deliveredAt).toBeGreaterThanOrEqual(now);
        expect(Math.abs(deliveredAt - expected)).toBeLessThanOrEqual(1);
        now = deliveredAt + work;
      });
    },
  );
});

describe('timerSleep', () => {
  it('waits about as long as asked', async () => {
    const start = performance.now();
    await timerSleep(30_000);
    expect(performance.now() - start).toBeGreaterThanOrEqual(29);
  });
});

const samplePath = fileURLToPath(new URL('../fixtures/btcusdt-sample.jsonl', import.meta.url));

describe('pacing a recorded file', () => {
  it('replays the sample over its recorded duration, by receive time or by venue time', async () => {
    const events: MarketEvent[] = [];
    for await (const line of readFrameLines(samplePath)) events.push(parseBybitFrame(line.text, line.recvTime!));
    for (const timeOf of [receiveTime, venueTime]) {
      const times = events.map(timeOf).filter((t): t is Micros => t !== null);
      const time = new FakeTime();
      const start = time.now;
      let count = 0;
      for await (const _ of pace(from(events), { speed: 10, clock: time, sleep: time.sleep, timeOf })) count++;
      expect(count).toBe(events.length);
      // The sample's times rise, so the replay ends when its last event is due.
      expect(time.now - start).toBe(Math.ceil((Math.max(...times) - times[0]) / 10));
      expect(time.now - start).toBeGreaterThan(0);
    }
  });

  it('takes the receive time of every kind of event, and the venue time where there is one', () => {
    const recv = 1_700_000_000_123_456 as Micros;
    const book = parseBybitFrame('{"topic":"orderbook.1.BTCUSDT","type":"snapshot","ts":1700000000100,"data":{"s":"BTCUSDT","b":[],"a":[],"u":1,"seq":5},"cts":1700000000090}', recv);
    const trades = parseBybitFrame('{"topic":"publicTrade.BTCUSDT","type":"snapshot","ts":1700000000200,"data":[{"T":1700000000190,"s":"BTCUSDT","S":"Buy","v":"0.001","p":"65000.0","i":"t1","BT":false}]}', recv);
    const garbage = parseBybitFrame('not json', recv);
    expect([book, trades, garbage].map((e) => e.kind)).toEqual(['book', 'trades', 'malformed']);
    expect([book, trades, garbage].map(receiveTime)).toEqual([recv, recv, recv]);
    expect([book, trades, garbage].map(venueTime)).toEqual([1_700_000_000_100_000, 1_700_000_000_190_000, null]);
    expect(receiveTime({ kind: 'trades', trades: [] })).toBeNull();
  });
});
