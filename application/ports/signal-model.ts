import type { FeatureVector } from '../../domain/features/feature-vector.ts';

/** What a model was trained on and how to read its output; loaded from the model's manifest. */
export interface ModelInfo {
  readonly id: string;
  /** Feature names in input order; their schema id must equal the feature engine's. */
  readonly featureNames: readonly string[];
  readonly schemaId: string;
  /** What `score` means, e.g. "expected mid move over the horizon, bps". */
  readonly scoreMeaning: string;
  readonly horizonMs: number;
  /** A signal trades only when its confidence is at least this, in [0, 1]. */
  readonly threshold: number;
  /** Why the model never signals (its trainer found no edge on validation data); absent when it may. */
  readonly abstain?: string;
}

export interface Prediction {
  /** Signed: positive expects a rise. Units per `ModelInfo.scoreMeaning`. */
  readonly score: number;
  /** In [0, 1]. */
  readonly confidence: number;
}

/**
 * A trained model behind an inference runtime (ONNX). `predict` rejects a vector of another schema
 * (an error, not a silent reorder) and rejects when the runtime fails; it never invents a prediction.
 */
export interface SignalModel {
  readonly info: ModelInfo;
  predict(features: FeatureVector): Promise<Prediction>;
  /**
   * The same prediction as `predict`, made within the call, for a model that needs no I/O and no
   * other thread for it (the in-process tree walk); absent where the model cannot. Throws where
   * `predict` rejects. A backtest predicts at every book frame: a promise less each time counts, and
   * so does an object less: the answer may be one object the model rewrites at its next prediction,
   * to be read before then.
   */
  predictNow?(features: FeatureVector): Prediction;
  close(): Promise<void>;
}
