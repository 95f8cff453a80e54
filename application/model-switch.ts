import type { FeatureSchema, FeatureVector } from '../domain/features/feature-vector.ts';
import { err, ok, type Result } from '../domain/result.ts';
import type { Logger } from './ports/logger.ts';
import type { ModelInfo, Prediction, SignalModel } from './ports/signal-model.ts';

/** Why a model offered to a running loop was not taken; the running model stays in every case. */
export type ModelRefusal =
  | {
      readonly kind: 'SchemaMismatch';
      readonly runningModel: string;
      readonly runningSchema: string;
      readonly offeredModel: string;
      readonly offeredSchema: string;
    }
  | {
      /** The schema id matches, but the feature names do not: the manifest contradicts itself. */
      readonly kind: 'FeatureMismatch';
      readonly offeredModel: string;
      readonly expected: readonly string[];
      readonly actual: readonly string[];
    }
  | { readonly kind: 'Closed'; readonly offeredModel: string };

export function describeModelRefusal(r: ModelRefusal): string {
  switch (r.kind) {
    case 'SchemaMismatch':
      return (
        `model ${r.offeredModel} reads feature schema ${r.offeredSchema}, but the running engine computes ${r.runningSchema} ` +
        `(model ${r.runningModel}): a model of another schema needs a restart`
      );
    case 'FeatureMismatch':
      return `model ${r.offeredModel} claims the running schema but reads features ${r.actual.join(', ')} instead of ${r.expected.join(', ')}`;
    case 'Closed':
      return `model ${r.offeredModel} arrived after the run ended`;
  }
}

/** A model taken by the slot: `from` is the model it takes over from at the next prediction. */
export interface ModelSwap {
  readonly from: ModelInfo;
  readonly to: ModelInfo;
}

/** A prediction and the model that made it. */
export interface SlotPrediction {
  readonly info: ModelInfo;
  readonly prediction: Prediction;
}

/** Model changes of a run, counted among the loop's counters. */
export interface ModelSwitchCounters {
  /** Models taken while running (a reload of the same files counts too). */
  modelReloads: number;
  /** Reloads refused: another schema, or a file that did not load or pass its checks. */
  modelReloadsRefused: number;
}

/**
 * The model a running loop predicts with, which can be replaced without stopping the loop. A model
 * offered while running takes over at the next prediction, so every event is predicted (and its
 * signal recorded) by one model; a prediction under way finishes on the model it started on, and a
 * replaced model is closed once its last prediction has resolved. Only a model of the engine's
 * feature schema is taken: the engine was built for that schema and cannot change under a run.
 */
export class ModelSlot {
  readonly counters: ModelSwitchCounters = { modelReloads: 0, modelReloadsRefused: 0 };
  private active: SignalModel;
  private pending: SignalModel | null = null;
  private readonly inFlight = new Map<SignalModel, number>();
  private readonly retired = new Set<SignalModel>();
  private readonly closing = new Set<Promise<void>>();
  private predictionCount = 0;
  private closed = false;

  constructor(
    initial: SignalModel,
    private readonly schema: FeatureSchema,
    private readonly logger: Logger,
  ) {
    this.active = initial;
    this.answer = { info: initial.info, prediction: { score: 0, confidence: 0 } };
  }

  /** The model the next prediction uses: an offered one once taken, else the running one. */
  get next(): ModelInfo {
    return (this.pending ?? this.active).info;
  }

  /** Predictions started through the slot, on whichever model. */
  get predictions(): number {
    return this.predictionCount;
  }

  /**
   * Takes `model` if it reads the engine's schema; it takes over at the next prediction. A model
   * offered before an earlier offer took over replaces that one, which is closed unused. A refused
   * model is the caller's to close.
   */
  offer(model: SignalModel): Result<ModelSwap, ModelRefusal> {
    const refusal = this.check(model.info);
    if (refusal !== null) {
      this.counters.modelReloadsRefused++;
      return err(refusal);
    }
    const from = this.next;
    const superseded = this.pending;
    this.pending = model;
    this.counters.modelReloads++;
    if (superseded !== null && superseded !== model) this.closeModel(superseded);
    return ok({ from, to: model.info });
  }

  /** Counts a reload refused before it reached the slot: a file that did not load or failed its checks. */
  refused(): void {
    this.counters.modelReloadsRefused++;
  }

  /**
   * `predict` within the call, when the current model can answer so (`SignalModel.predictNow`); null,
   * with nothing counted or switched, when it cannot: then `predict` is the way. The answer is one
   * object the slot rewrites at its next call (as the model's prediction may be): read it before then.
   */
  predictNow(vector: FeatureVector): SlotPrediction | null {
    const model = this.pending ?? this.active;
    if (model.predictNow === undefined) return null;
    if (this.pending !== null) this.switchToPending(this.pending);
    this.predictionCount++;
    // Nothing is in flight once the call returns, so the model is never left retired while it predicts.
    const prediction = model.predictNow(vector);
    const answer = this.answer;
    answer.info = model.info;
    answer.prediction = prediction;
    return answer;
  }

  /** `predictNow`'s one answer, rewritten at each call (a backtest predicts at every book frame). */
  private readonly answer: { info: ModelInfo; prediction: Prediction };

  /** Predicts on the current model, which is the offered one from the first prediction after an offer. */
  async predict(vector: FeatureVector): Promise<SlotPrediction> {
    if (this.pending !== null) this.switchToPending(this.pending);
    const model = this.active;
    this.predictionCount++;
    this.inFlight.set(model, (this.inFlight.get(model) ?? 0) + 1);
    try {
      return { info: model.info, prediction: await model.predict(vector) };
    } finally {
      const left = this.inFlight.get(model)! - 1;
      if (left > 0) this.inFlight.set(model, left);
      else {
        this.inFlight.delete(model);
        if (this.retired.delete(model)) this.closeModel(model);
      }
    }
  }

  /**
   * Closes every model the slot holds, once the loop has stopped: later offers are refused.
   * Resolves when every close, including those of models replaced earlier, has finished.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const held = new Set([this.active, ...(this.pending === null ? [] : [this.pending]), ...this.retired]);
    this.pending = null;
    this.retired.clear();
    for (const model of held) this.closeModel(model);
    while (this.closing.size > 0) await Promise.all([...this.closing]);
  }

  private check(info: ModelInfo): ModelRefusal | null {
    if (this.closed) return { kind: 'Closed', offeredModel: info.id };
    if (info.schemaId !== this.schema.id) {
      return { kind: 'SchemaMismatch', runningModel: this.next.id, runningSchema: this.schema.id, offeredModel: info.id, offeredSchema: info.schemaId };
    }
    const names = this.schema.names;
    if (info.featureNames.length !== names.length || info.featureNames.some((n, i) => n !== names[i])) {
      return { kind: 'FeatureMismatch', offeredModel: info.id, expected: names, actual: info.featureNames };
    }
    return null;
  }

  private switchToPending(next: SignalModel): void {
    const previous = this.active;
    this.active = next;
    this.pending = null;
    this.logger.info({ from: previous.info.id, to: next.info.id, predictions: this.predictionCount }, 'model switched');
    if (previous === next) return;
    // A prediction that started on the previous model still holds it; the last one to resolve closes it.
    if (this.inFlight.has(previous)) this.retired.add(previous);
    else this.closeModel(previous);
  }

  private closeModel(model: SignalModel): void {
    const closing: Promise<void> = model
      .close()
      .catch((error: unknown) => this.logger.error({ model: model.info.id, error: String(error) }, 'model close failed'))
      .finally(() => this.closing.delete(closing));
    this.closing.add(closing);
  }
}
