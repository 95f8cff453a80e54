import { describe, expect, it } from 'vitest';
import {
  DEFAULT_HORIZONS_MICROS,
  directionClass,
  Labeller,
  returnBps,
  roundTripDeadZoneBps,
  type LabelledRow,
} from '../../domain/features/labels.ts';
import { BYBIT_LINEAR_FEES } from '../../domain/trading/fees.ts';
import type { Micros } from '../../domain/values/units.ts';

const us = (n: number): Micros => n as Micros;
const plain = (r: LabelledRow) => ({
  rowId: r.rowId,
  ts: r.ts,
  returnsBps: [...r.returnsBps],
  classes: [...r.classes],
  reached: [...r.reached],
});

describe('Labeller, by hand', () => {
  it('labels with the last mid at or before t + h, once the stream has passed t + h', () => {
    // Mids x2 of 20000 are a mid of 10000 ticks; 10 of mid x2 on 20000 is 5 bps.
    const l = new Labeller({ horizonsMicros: [10, 20], deadZoneBps: 5 }, 1);
    expect(l.push(us(0), 20000, 100)).toEqual([]);
    expect(l.push(us(5), 20010, 101)).toEqual([]);
    // An event at exactly t + 10 = 10 does not yet settle row 100's 10 µs label: another could follow.
    expect(l.push(us(10), 20020, 102)).toEqual([]);
    // 11 > 10: row 100's 10 µs label is 20020 (+10 bps), its 20 µs label is still open.
    expect(l.push(us(11), 19980, 103)).toEqual([]);
    expect(l.pending).toBe(4);
    const out = l.push(us(21), 20000, 104).map(plain);
    // 21 > 20: row 100's 20 µs label is the last mid at or before 20, 19980 (-10 bps).
    expect(out).toEqual([{ rowId: 100, ts: 0, returnsBps: [10, -10], classes: [1, -1], reached: [1, 1] }]);
    expect(l.pending).toBe(4);

    const rest = l.flush().map(plain);
    expect(rest.map((r) => r.rowId)).toEqual([101, 102, 103, 104]);
    // Row 101 (t 5): 10 µs label 19980 (resolved at 21 > 15); 25 > 21 never reached.
    expect(rest[0].returnsBps[0]).toBe(returnBps(20010, 19980));
    expect(rest[0].classes).toEqual([-1, 0]);
    expect(rest[0].reached).toEqual([1, 0]);
    expect(rest[0].returnsBps[1]).toBeNaN();
    // Row 102 (t 10): 20 < 21, so the push at 21 settled it with 19980; 30 > 21 is not reached.
    expect(rest[1].returnsBps[0]).toBe(returnBps(20020, 19980));
    expect(rest[1].reached).toEqual([1, 0]);
    // Row 103 (t 11): 21 is exactly the last event's time, so only flush settles it: +10.01 bps.
    expect(rest[2].returnsBps[0]).toBe(returnBps(19980, 20000));
    expect(rest[2].classes).toEqual([1, 0]);
    // Row 104 (t 21): nothing after it.
    expect(rest[3].reached).toEqual([0, 0]);
    expect(rest[3].classes).toEqual([0, 0]);
    expect(l.pending).toBe(0);
  });

  it('takes the latest of several events at the same time', () => {
    const l = new Labeller({ horizonsMicros: [10], deadZoneBps: 0 });
    l.push(us(0), 20000, 0);
    l.push(us(10), 20002, 1);
    l.push(us(10), 20004, 2);
    const [row] = l.push(us(11), 30000, 3);
    expect(row.rowId).toBe(0);
    expect(row.returnsBps[0]).toBe(2);
  });

  it('a row is its own label when nothing moves before its horizon', () => {
    const l = new Labeller({ horizonsMicros: [10], deadZoneBps: 0 });
    l.push(us(0), 20000, 0);
    const [row] = l.push(us(50), 40000, 1);
    expect(plain(row)).toEqual({ rowId: 0, ts: 0, returnsBps: [0], classes: [0], reached: [1] });
  });

  it('starts afresh after flush, accepting an earlier time', () => {
    const l = new Labeller({ horizonsMicros: [10], deadZoneBps: 0 });
    l.push(us(100), 20000, 0);
    expect(l.flush().map((r) => [...r.reached])).toEqual([[0]]);
    expect(l.flush()).toEqual([]);
    l.push(us(0), 20000, 1);
    l.push(us(5), 20002, 2);
    expect(l.push(us(11), 20000, 3).map((r) => [r.rowId, r.returnsBps[0]])).toEqual([[1, 1]]);
  });

  it('defaults to 1 s, 5 s and 30 s with no dead zone', () => {
    const l = new Labeller();
    expect(l.horizons).toEqual([1_000_000, 5_000_000, 30_000_000]);
    expect(DEFAULT_HORIZONS_MICROS).toEqual(l.horizons);
    expect(l.deadZoneBps).toBe(0);
  });

  it('rejects bad configuration and bad events', () => {
    expect(() => new Labeller({ horizonsMicros: [], deadZoneBps: 0 })).toThrow(/at least one/);
    expect(() => new Labeller({ horizonsMicros: [0], deadZoneBps: 0 })).toThrow(/positive/);
    expect(() => new Labeller({ horizonsMicros: [5, 5], deadZoneBps: 0 })).toThrow(/increasing/);
    expect(() => new Labeller({ horizonsMicros: [5], deadZoneBps: -1 })).toThrow(/dead zone/);
    expect(() => new Labeller({ horizonsMicros: [5], deadZoneBps: NaN })).toThrow(/dead zone/);
    const l = new Labeller({ horizonsMicros: [5], deadZoneBps: 0 });
    l.push(us(10), 20000, 0);
    expect(() => l.push(us(9), 20000, 1)).toThrow(/goes back/);
    expect(() => l.push(us(11), 0, 1)).toThrow(/not positive/);
    expect(() => l.push(us(11), NaN, 1)).toThrow(/not positive/);
    expect(() => l.push(us(NaN), 20000, 1)).toThrow(/goes back/);
  });
});

describe('dead zone', () => {
  it('is closed: a return exactly at the bound is class 0, just past it is not', () => {
    expect(returnBps(20000, 20010)).toBe(5);
    expect(directionClass(returnBps(20000, 20010), 5)).toBe(0);
    expect(directionClass(returnBps(20000, 19990), 5)).toBe(0);
    expect(directionClass(returnBps(20000, 20011), 5)).toBe(1);
    expect(directionClass(returnBps(20000, 19989), 5)).toBe(-1);
    expect(directionClass(0, 0)).toBe(0);
    expect(directionClass(1e-9, 0)).toBe(1);
  });

  it('applies the configured dead zone to every horizon of a row', () => {
    const l = new Labeller({ horizonsMicros: [1, 2, 3], deadZoneBps: 5 });
    l.push(us(0), 20000, 0);
    l.push(us(1), 20010, 1); // +5 bps: inside
    l.push(us(2), 20011, 2); // +5.5 bps: up
    l.push(us(3), 19989, 3); // -5.5 bps: down
    const [row] = l.push(us(4), 20000, 4);
    expect([...row.classes]).toEqual([0, 1, -1]);
  });

  it('covers a taker round trip: twice the taker fee, plus the quoted spread', () => {
    expect(roundTripDeadZoneBps(BYBIT_LINEAR_FEES.takerPpm)).toBe(11);
    expect(roundTripDeadZoneBps(550, 0.5)).toBe(11.5);
    expect(roundTripDeadZoneBps(0)).toBe(0);
    expect(() => roundTripDeadZoneBps(-1)).toThrow(RangeError);
    expect(() => roundTripDeadZoneBps(1.5)).toThrow(RangeError);
    expect(() => roundTripDeadZoneBps(550, -1)).toThrow(RangeError);
    expect(() => roundTripDeadZoneBps(550, Infinity)).toThrow(RangeError);
  });
});
