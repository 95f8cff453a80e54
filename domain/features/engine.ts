import type { OrderBook } from '../market/order-book.ts';
import type { Trade } from '../market/trade.ts';
import type { Instrument } from '../values/instrument.ts';
import type { Micros } from '../values/units.ts';
import { BookEvent, unitsOf, type CalculatorId, type FeatureCalculator, type WantedOutput } from './calculator.ts';
import type { FeatureDefinition } from './definitions.ts';
import type { FeatureSchema, FeatureVector } from './feature-vector.ts';
import { CALCULATORS, schemaOf } from './registry.ts';

const VECTORS_PER_SLAB = 256;

/**
 * Computes the enabled features incrementally on every book and trade event. Only the calculators an
 * enabled feature needs are built (with those they read); each keeps rolling state, so an event costs
 * the same whatever the history. Pure and deterministic: the same events in the same order give
 * bit-identical vectors, live or replayed. Times are venue times throughout.
 */
export class FeatureEngine {
  readonly schema: FeatureSchema;
  readonly definitions: readonly FeatureDefinition[];
  private readonly calculators: FeatureCalculator[] = [];
  /** The calculators that read public trades: most do not, and a call that does nothing still costs one a trade. */
  private readonly tradeTakers: readonly FeatureCalculator[];
  /**
   * How a vector is filled, one calculator at a time: `copyFrom[g]` is the values array of the g-th
   * calculator that feeds the vector, and for k in `[copyStart[g], copyStart[g + 1])` slot `copyTo[k]`
   * takes `copyFrom[g][copyIndex[k]]`. Grouped so the loop reads one typed array per group, not one
   * a slot: the copy was the engine's largest cost.
   */
  private readonly copyFrom: Float64Array[] = [];
  private readonly copyStart: Int32Array;
  private readonly copyTo: Int32Array;
  private readonly copyIndex: Int32Array;
  private readonly width: number;
  private readonly event = new BookEvent();
  private readonly warmupMicros: number;
  private firstTs = -1;
  private lastTs = -1;
  /**
   * Vectors are carved out of a slab, each a view of its own never-reused region: allocating a small
   * typed array costs a microsecond in V8, a view of a larger one a tenth of that. A slab lives as long
   * as any vector viewing it.
   */
  private slab = new Float64Array(0);
  private slabUsed = 0;

  constructor(instrument: Instrument, definitions: readonly FeatureDefinition[]) {
    if (definitions.length === 0) throw new Error('a feature engine needs at least one feature');
    this.definitions = definitions;
    this.schema = schemaOf(definitions);
    const units = unitsOf(instrument);
    const wanted = wantedOutputs(definitions);
    const built = new Map<CalculatorId, FeatureCalculator>();
    const build = (id: CalculatorId): FeatureCalculator => {
      const existing = built.get(id);
      if (existing !== undefined) return existing;
      const entry = CALCULATORS[id];
      for (const r of entry.requires) build(r);
      const calc = entry.create(units, build, wanted);
      built.set(id, calc);
      this.calculators.push(calc);
      return calc;
    };
    const slots = new Map<FeatureCalculator, Array<readonly [slot: number, index: number]>>();
    definitions.forEach((d, j) => {
      const calc = build(d.calculator);
      const k = calc.outputs.indexOf(d.name);
      if (k < 0) throw new Error(`calculator ${d.calculator} does not compute ${d.name}`);
      const list = slots.get(calc) ?? [];
      list.push([j, k]);
      slots.set(calc, list);
    });
    this.width = definitions.length;
    this.copyStart = new Int32Array(slots.size + 1);
    this.copyTo = new Int32Array(this.width);
    this.copyIndex = new Int32Array(this.width);
    let k = 0;
    for (const [calc, list] of slots) {
      this.copyStart[this.copyFrom.length] = k;
      this.copyFrom.push(calc.values);
      for (const [slot, index] of list) {
        this.copyTo[k] = slot;
        this.copyIndex[k++] = index;
      }
    }
    this.copyStart[this.copyFrom.length] = k;
    this.tradeTakers = this.calculators.filter((c) => c.onTrade !== undefined);
    this.warmupMicros = Math.max(...definitions.map((d) => d.warmupMicros));
  }

  /**
   * The vector after a book event at venue time `ts`; null while either side is empty (nothing is
   * defined without a touch, and no state moves). Call it on every applied book event, so that order
   * flow sees every change.
   */
  onBook(book: OrderBook, ts: Micros): FeatureVector | null {
    const bid = book.bestBid();
    const ask = book.bestAsk();
    if (bid === null || ask === null) return null;
    const e = this.event;
    e.ts = ts;
    e.bid = bid;
    e.ask = ask;
    e.bidQty = book.bestBidQty();
    e.askQty = book.bestAskQty();
    e.mid2 = bid + ask;
    e.bids = book.side('bid');
    e.asks = book.side('ask');
    for (const calc of this.calculators) calc.onBook(e);
    if (this.firstTs < 0) this.firstTs = ts;
    this.lastTs = ts;
    const n = this.width;
    if (this.slabUsed + n > this.slab.length) {
      this.slab = new Float64Array(n * VECTORS_PER_SLAB);
      this.slabUsed = 0;
    }
    // The constructor over the slab's buffer, not `subarray`: the same view without the species lookup.
    const values = new Float64Array(this.slab.buffer, this.slabUsed * Float64Array.BYTES_PER_ELEMENT, n);
    this.slabUsed += n;
    const { copyFrom, copyStart, copyTo, copyIndex } = this;
    for (let g = 0; g < copyFrom.length; g++) {
      const from = copyFrom[g];
      for (let k = copyStart[g]; k < copyStart[g + 1]; k++) values[copyTo[k]] = from[copyIndex[k]];
    }
    return { schemaId: this.schema.id, ts, values };
  }

  /** Takes in a public trade (already on the instrument's grid); it shows from the next book event. */
  onTrade(trade: Trade): void {
    for (const calc of this.tradeTakers) calc.onTrade!(trade);
  }

  /**
   * Whether the last vector's every feature had its warm-up of venue time since the start or the last
   * reset: rows before that mix a partial window with a full one and should not train a model.
   */
  get warm(): boolean {
    return this.firstTs >= 0 && this.lastTs - this.firstTs >= this.warmupMicros;
  }

  /** Forgets all history, as after a gap or a resync: windows restart and warm-up begins again. */
  reset(): void {
    for (const calc of this.calculators) calc.reset();
    this.firstTs = -1;
    this.lastTs = -1;
  }
}

/**
 * The outputs something reads: the enabled features, and what the calculators they need (and those
 * calculators' own requirements) read of one another.
 */
function wantedOutputs(definitions: readonly FeatureDefinition[]): WantedOutput {
  const names = new Set(definitions.map((d) => d.name));
  const seen = new Set<CalculatorId>();
  const visit = (id: CalculatorId): void => {
    if (seen.has(id)) return;
    seen.add(id);
    const entry = CALCULATORS[id];
    for (const name of entry.reads) names.add(name);
    for (const r of entry.requires) visit(r);
  };
  for (const d of definitions) visit(d.calculator);
  return (output) => names.has(output);
}
