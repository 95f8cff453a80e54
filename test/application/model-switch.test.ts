import { describe, expect, it } from 'vitest';
import { describeModelRefusal, ModelSlot } from '../../application/model-switch.ts';
import type { ModelInfo, Prediction, SignalModel } from '../../application/ports/signal-model.ts';
import type { FeatureVector } from '../../domain/features/feature-vector.ts';
import { schemaForNames } from '../../domain/features/registry.ts';
import { unwrap } from '../../domain/result.ts';
import type { Micros } from '../../domain/values/units.ts';
import { RecordingLogger } from '../support/fakes.ts';

const NAMES = ['spread_ticks', 'depth_imbalance_1'];
const schema = unwrap(schemaForNames(NAMES));
const OTHER_NAMES = ['spread_ticks', 'wmid_offset_ticks'];
const otherSchema = unwrap(schemaForNames(OTHER_NAMES));

const infoOf = (id: string, names = NAMES, schemaId = schema.id): ModelInfo => ({
  id,
  featureNames: names,
  schemaId,
  scoreMeaning: 'test',
  horizonMs: 1000,
  threshold: 0.5,
});
const vector: FeatureVector = { schemaId: schema.id, ts: 1 as Micros, values: Float64Array.of(1, 0.25) };

/** A model whose predictions wait until released, and which records when it was closed. */
class HeldModel implements SignalModel {
  readonly info: ModelInfo;
  closed = 0;
  private readonly waiting: (() => void)[] = [];
  constructor(
    id: string,
    private readonly hold = false,
    private readonly closeFails = false,
    names = NAMES,
    schemaId = schema.id,
  ) {
    this.info = infoOf(id, names, schemaId);
  }
  async predict(): Promise<Prediction> {
    if (this.hold) await new Promise<void>((resolve) => this.waiting.push(resolve));
    return { score: 1, confidence: 1 };
  }
  /** Lets every prediction that waits resolve. */
  release(): void {
    for (const resolve of this.waiting.splice(0)) resolve();
  }
  get waitingCount(): number {
    return this.waiting.length;
  }
  close(): Promise<void> {
    this.closed++;
    return this.closeFails ? Promise.reject(new Error('session already released')) : Promise.resolve();
  }
}

/** Lets pending promise callbacks run. */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function slotWith(initial: SignalModel) {
  const logger = new RecordingLogger();
  return { slot: new ModelSlot(initial, schema, logger), logger };
}

/** A model that also answers within the call. */
class NowModel extends HeldModel {
  predictNow(): Prediction {
    return { score: 2, confidence: 1 };
  }
}

describe('ModelSlot', () => {
  it('predicts within the call on a model that can, switching and counting as predict does; null on one that cannot', async () => {
    const a = new NowModel('a');
    const { slot } = slotWith(a);
    expect(slot.predictNow(vector)?.prediction.score).toBe(2);
    const b = new HeldModel('b');
    unwrap(slot.offer(b));
    // The offered model cannot: nothing is switched or counted until predict runs on it.
    expect(slot.predictNow(vector)).toBeNull();
    expect(slot.predictions).toBe(1);
    expect((await slot.predict(vector)).info.id).toBe('b');
    await settle();
    expect(a.closed).toBe(1);
    const c = new NowModel('c');
    unwrap(slot.offer(c));
    expect(slot.predictNow(vector)?.info.id).toBe('c');
    await settle();
    expect(b.closed).toBe(1);
    expect(slot.predictions).toBe(3);
  });

  it('takes a model of the running schema at the next prediction, then closes the one it replaced', async () => {
    const a = new HeldModel('a');
    const b = new HeldModel('b');
    const { slot, logger } = slotWith(a);
    expect((await slot.predict(vector)).info.id).toBe('a');

    const swap = unwrap(slot.offer(b));
    expect([swap.from.id, swap.to.id]).toEqual(['a', 'b']);
    expect(slot.next.id).toBe('b');
    // Taken, not yet in use: the running model is still open until the next prediction.
    expect(a.closed).toBe(0);

    expect((await slot.predict(vector)).info.id).toBe('b');
    await settle();
    expect(a.closed).toBe(1);
    expect(b.closed).toBe(0);
    expect(slot.counters).toEqual({ modelReloads: 1, modelReloadsRefused: 0 });
    // Logged as the switch happens, after the one prediction made on a.
    expect(logger.lines.find((l) => l.message === 'model switched')?.fields).toMatchObject({ from: 'a', to: 'b', predictions: 1 });
  });

  it('refuses a model of another schema, naming both schema ids, and keeps predicting on the running one', async () => {
    const a = new HeldModel('a');
    const c = new HeldModel('c', false, false, OTHER_NAMES, otherSchema.id);
    const { slot } = slotWith(a);
    const refused = slot.offer(c);
    expect(refused.ok).toBe(false);
    if (refused.ok) return;
    expect(refused.error).toMatchObject({ kind: 'SchemaMismatch', runningModel: 'a', offeredModel: 'c' });
    const message = describeModelRefusal(refused.error);
    expect(message).toContain(schema.id);
    expect(message).toContain(otherSchema.id);
    expect((await slot.predict(vector)).info.id).toBe('a');
    // The refused model is the caller's to close; the running one stays open.
    expect([a.closed, c.closed]).toEqual([0, 0]);
    expect(slot.counters).toEqual({ modelReloads: 0, modelReloadsRefused: 1 });
  });

  it('refuses a model that claims the running schema id but reads other features', () => {
    const { slot } = slotWith(new HeldModel('a'));
    const liar = new HeldModel('liar', false, false, OTHER_NAMES, schema.id);
    const refused = slot.offer(liar);
    expect(refused.ok ? null : refused.error.kind).toBe('FeatureMismatch');
    expect(refused.ok ? '' : describeModelRefusal(refused.error)).toContain('wmid_offset_ticks');
  });

  it('lets a prediction under way finish on the model it started on, and closes that model only once it has resolved', async () => {
    const a = new HeldModel('a', true);
    const b = new HeldModel('b');
    const { slot } = slotWith(a);
    const first = slot.predict(vector);
    expect(a.waitingCount).toBe(1);
    unwrap(slot.offer(b));
    const second = await slot.predict(vector);
    expect(second.info.id).toBe('b');
    await settle();
    // Replaced, but its prediction is still running.
    expect(a.closed).toBe(0);
    a.release();
    expect((await first).info.id).toBe('a');
    await settle();
    expect(a.closed).toBe(1);
  });

  it('closes unused a model offered and then replaced by a later offer before any prediction', async () => {
    const a = new HeldModel('a');
    const b = new HeldModel('b');
    const c = new HeldModel('c');
    const { slot } = slotWith(a);
    unwrap(slot.offer(b));
    const swap = unwrap(slot.offer(c));
    expect([swap.from.id, swap.to.id]).toEqual(['b', 'c']);
    await settle();
    expect([a.closed, b.closed, c.closed]).toEqual([0, 1, 0]);
    expect((await slot.predict(vector)).info.id).toBe('c');
    await settle();
    expect([a.closed, b.closed, c.closed]).toEqual([1, 1, 0]);
    expect(slot.counters.modelReloads).toBe(2);
  });

  it('takes the same files again as a reload, without closing the model in use', async () => {
    const a = new HeldModel('a');
    const { slot } = slotWith(a);
    unwrap(slot.offer(a));
    await slot.predict(vector);
    await settle();
    expect(a.closed).toBe(0);
    expect(slot.counters.modelReloads).toBe(1);
  });

  it('closes every model it holds once, and refuses offers after that', async () => {
    const a = new HeldModel('a', true);
    const b = new HeldModel('b');
    const c = new HeldModel('c');
    const { slot } = slotWith(a);
    const pending = slot.predict(vector);
    unwrap(slot.offer(b));
    await slot.predict(vector);
    unwrap(slot.offer(c));
    await slot.close();
    // a (replaced, prediction still running), b (in use) and c (offered) are all closed, each once.
    expect([a.closed, b.closed, c.closed]).toEqual([1, 1, 1]);
    a.release();
    await pending;
    await settle();
    expect(a.closed).toBe(1);
    const late = slot.offer(new HeldModel('late'));
    expect(late.ok ? null : describeModelRefusal(late.error)).toBe('model late arrived after the run ended');
    await slot.close();
    expect(b.closed).toBe(1);
  });

  it('logs a model that fails to close, and goes on', async () => {
    const a = new HeldModel('a', false, true);
    const { slot, logger } = slotWith(a);
    unwrap(slot.offer(new HeldModel('b')));
    expect((await slot.predict(vector)).info.id).toBe('b');
    await settle();
    expect(logger.lines.find((l) => l.level === 'error')).toMatchObject({ message: 'model close failed', fields: { model: 'a' } });
  });

  it('counts a reload refused before it reached the slot', () => {
    const { slot } = slotWith(new HeldModel('a'));
    slot.refused();
    expect(slot.counters).toEqual({ modelReloads: 0, modelReloadsRefused: 1 });
  });
});
