import type { SignalRecord } from '../../application/ports/trading-store.ts';
import type { Micros, Ticks } from '../../domain/values/units.ts';

/**
 * One run's signals held as columns: a number a field in typed arrays, the run, model and schema ids
 * as an index into the few distinct triples. A day of the synthetic market makes some 364,000 signals
 * (every prediction that clears the threshold, acted on or refused); as two objects each, with a key
 * string and a set entry to keep a batch written twice from storing anything twice, they took about
 * 150 MiB of a day's backtest on `--db none`, here about 60 bytes each. Records are made again on
 * reading, equal to those written. A signal's `seq` already held is not stored twice: found by binary
 * search while the seqs come in increasing order (the writer's), by a set once one does not.
 */
export class SignalColumns {
  private seq = new Float64Array(1024);
  private ts = new Float64Array(1024);
  private score = new Float64Array(1024);
  private confidence = new Float64Array(1024);
  private horizon = new Float64Array(1024);
  /** Mid ticks; NaN for a signal made without a book (null). */
  private mid = new Float64Array(1024);
  private acted = new Uint8Array(1024);
  private label = new Int32Array(1024);
  private readonly labels: { readonly runId: string; readonly modelId: string; readonly schemaId: string }[] = [];
  private readonly labelIndex = new Map<string, number>();
  private n = 0;
  /** Every seq held, once a seq arrived out of order; null while they are increasing. */
  private seqs: Set<number> | null = null;

  get count(): number {
    return this.n;
  }

  add(rows: readonly SignalRecord[] | undefined): void {
    for (const row of rows ?? []) {
      if (this.has(row.seq)) continue;
      if (this.seqs === null && this.n > 0 && row.seq < this.seq[this.n - 1]) this.seqs = new Set(this.seq.subarray(0, this.n));
      this.seqs?.add(row.seq);
      this.push(row);
    }
  }

  /** The records, in the order they were added. */
  get list(): SignalRecord[] {
    const out = new Array<SignalRecord>(this.n);
    for (let i = 0; i < this.n; i++) {
      const { runId, modelId, schemaId } = this.labels[this.label[i]];
      const mid = this.mid[i];
      out[i] = {
        runId,
        seq: this.seq[i],
        signal: { ts: this.ts[i] as Micros, score: this.score[i], confidence: this.confidence[i], horizonMs: this.horizon[i], modelId, schemaId },
        midTicks: Number.isNaN(mid) ? null : (mid as Ticks),
        acted: this.acted[i] === 1,
      };
    }
    return out;
  }

  private has(seq: number): boolean {
    if (this.seqs !== null) return this.seqs.has(seq);
    let lo = 0;
    let hi = this.n;
    while (lo < hi) {
      const m = (lo + hi) >>> 1;
      if (this.seq[m] < seq) lo = m + 1;
      else hi = m;
    }
    return lo < this.n && this.seq[lo] === seq;
  }

  private push(row: SignalRecord): void {
    if (this.n === this.seq.length) this.grow();
    const i = this.n++;
    const { signal } = row;
    this.seq[i] = row.seq;
    this.ts[i] = signal.ts;
    this.score[i] = signal.score;
    this.confidence[i] = signal.confidence;
    this.horizon[i] = signal.horizonMs;
    this.mid[i] = row.midTicks ?? NaN;
    this.acted[i] = row.acted ? 1 : 0;
    this.label[i] = this.labelOf(row.runId, signal.modelId, signal.schemaId);
  }

  private labelOf(runId: string, modelId: string, schemaId: string): number {
    const key = `${runId}\u0000${modelId}\u0000${schemaId}`;
    let index = this.labelIndex.get(key);
    if (index === undefined) {
      index = this.labels.length;
      this.labels.push({ runId, modelId, schemaId });
      this.labelIndex.set(key, index);
    }
    return index;
  }

  private grow(): void {
    const size = this.seq.length * 2;
    const f64 = (a: Float64Array): Float64Array<ArrayBuffer> => {
      const b = new Float64Array(size);
      b.set(a);
      return b;
    };
    this.seq = f64(this.seq);
    this.ts = f64(this.ts);
    this.score = f64(this.score);
    this.confidence = f64(this.confidence);
    this.horizon = f64(this.horizon);
    this.mid = f64(this.mid);
    const acted = new Uint8Array(size);
    acted.set(this.acted);
    this.acted = acted;
    const label = new Int32Array(size);
    label.set(this.label);
    this.label = label;
  }
}
