import { describe, expect } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { Labeller, type LabelConfig, type LabelledRow } from '../../domain/features/labels.ts';
import type { Micros } from '../../domain/values/units.ts';

interface Event {
  readonly ts: number;
  readonly mid: number;
}

/** Up to three strictly increasing horizons in 1..40 µs. */
const horizonsArb = fc
  .uniqueArray(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 3 })
  .map((hs) => [...hs].sort((a, b) => a - b));
const configArb: fc.Arbitrary<LabelConfig> = fc.record({
  horizonsMicros: horizonsArb,
  deadZoneBps: fc.constantFrom(0, 5, 10, 50),
});
/** Non-decreasing times with repeats (dt 0) and gaps longer than any horizon; mids x2 near 20000. */
const eventsArb = fc
  .array(fc.record({ dt: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 8 }), fc.integer({ min: 30, max: 60 })), mid: fc.integer({ min: 19_950, max: 20_050 }) }), {
    minLength: 1,
    maxLength: 120,
  })
  .map((steps) => {
    let ts = 0;
    return steps.map((s) => ({ ts: (ts += s.dt), mid: s.mid }));
  });
const midArb = fc.integer({ min: 19_950, max: 20_050 });

interface Emitted {
  readonly row: LabelledRow;
  /** The time of the push that emitted it; null when flush did. */
  readonly at: number | null;
}

/** Pushes every event (row id = index) into a fresh labeller with a tiny ring, then flushes. */
function run(config: LabelConfig, events: readonly Event[]): Emitted[] {
  const l = new Labeller(config, 1);
  const out: Emitted[] = [];
  events.forEach((e, i) => {
    for (const row of l.push(e.ts as Micros, e.mid, i)) out.push({ row, at: e.ts });
    // Memory: only rows whose longest horizon the stream has not passed are kept.
    const hMax = config.horizonsMicros[config.horizonsMicros.length - 1];
    expect(l.pending).toBe(events.slice(0, i + 1).filter((p) => p.ts + hMax >= e.ts).length);
  });
  for (const row of l.flush()) out.push({ row, at: null });
  return out;
}

/** The labels of row `i` from the whole stream: the last mid at or before t + h, if the stream got there. */
function reference(config: LabelConfig, events: readonly Event[], i: number) {
  const { ts: t, mid: base } = events[i];
  const lastTs = events[events.length - 1].ts;
  return config.horizonsMicros.map((h) => {
    if (lastTs < t + h) return { reached: 0, ret: NaN, cls: 0 };
    let label = NaN;
    for (const e of events) if (e.ts <= t + h) label = e.mid;
    const ret = ((label - base) * 10_000) / base;
    const cls = Math.abs(ret) <= config.deadZoneBps ? 0 : Math.sign(ret);
    return { reached: 1, ret, cls };
  });
}

const labelsOf = (row: LabelledRow) => ({ r: [...row.returnsBps], c: [...row.classes], m: [...row.reached] });

/** Replaces the mids of the events selected by `pick` with mids drawn from `fresh`. */
function perturb(events: readonly Event[], pick: (e: Event, j: number) => boolean, fresh: readonly number[]): Event[] {
  return events.map((e, j) => (pick(e, j) ? { ts: e.ts, mid: fresh[j % fresh.length] } : e));
}

describe('Labeller properties', () => {
  test.prop([configArb, eventsArb])('every row is emitted once, in order, equal to a naive reference', (config, events) => {
    const out = run(config, events);
    expect(out.map((o) => o.row.rowId)).toEqual(events.map((_, i) => i));
    out.forEach(({ row }, i) => {
      expect(row.ts).toBe(events[i].ts);
      const ref = reference(config, events, i);
      expect(labelsOf(row)).toEqual({ r: ref.map((x) => x.ret), c: ref.map((x) => x.cls), m: ref.map((x) => x.reached) });
    });
  });

  test.prop([configArb, eventsArb, fc.nat(), fc.nat(), fc.array(midArb, { minLength: 1, maxLength: 20 })])(
    'no look-ahead: mids after t + h never change the label of horizon h',
    (config, events, iSeed, kSeed, fresh) => {
      const i = iSeed % events.length;
      const k = kSeed % config.horizonsMicros.length;
      const t = events[i].ts;
      const hMax = config.horizonsMicros[config.horizonsMicros.length - 1];
      const before = run(config, events)[i].row;
      // Strictly after t + h of horizon k: only that horizon (and shorter ones) must hold.
      const afterK = run(config, perturb(events, (e) => e.ts > t + config.horizonsMicros[k], fresh))[i].row;
      for (let k2 = 0; k2 <= k; k2++) {
        expect(Object.is(afterK.returnsBps[k2], before.returnsBps[k2])).toBe(true);
        expect(afterK.classes[k2]).toBe(before.classes[k2]);
        expect(afterK.reached[k2]).toBe(before.reached[k2]);
      }
      // Strictly after t + h_max: the whole row holds.
      const afterMax = run(config, perturb(events, (e) => e.ts > t + hMax, fresh))[i].row;
      expect(labelsOf(afterMax)).toEqual(labelsOf(before));
    },
  );

  test.prop([configArb, eventsArb])('a push emits a row only after the stream passed t + h for every h; flush marks the rest', (config, events) => {
    const lastTs = events[events.length - 1].ts;
    for (const { row, at } of run(config, events)) {
      config.horizonsMicros.forEach((h, k) => {
        if (at !== null) {
          expect(at).toBeGreaterThan(row.ts + h);
          expect(row.reached[k]).toBe(1);
        } else {
          // Flush: reached exactly where the stream got to t + h; otherwise NaN, class 0.
          expect(row.reached[k]).toBe(lastTs >= row.ts + h ? 1 : 0);
          if (row.reached[k] === 0) {
            expect(row.returnsBps[k]).toBeNaN();
            expect(row.classes[k]).toBe(0);
          }
        }
      });
    }
  });

  test.prop([configArb, eventsArb, fc.nat(), fc.array(midArb, { minLength: 1, maxLength: 20 })])(
    'no leak from the past: mids pushed before a row (other than its own base) never change its labels',
    (config, events, iSeed, fresh) => {
      const i = iSeed % events.length;
      const before = run(config, events)[i].row;
      // Includes events at the row's own time pushed before it: the label reads only (t, t + h] and
      // the events at t pushed after the row, never anything the features at t were built from.
      const after = run(config, perturb(events, (_, j) => j < i, fresh))[i].row;
      expect(labelsOf(after)).toEqual(labelsOf(before));
    },
  );
});
