import { join } from 'node:path';
import { Tensor, type InferenceSession } from 'onnxruntime-node';
import type { ModelInfo, Prediction, SignalModel } from '../../application/ports/signal-model.ts';
import type { FeatureVector } from '../../domain/features/feature-vector.ts';
import { err, ok, type Result } from '../../domain/result.ts';
import { MANIFEST_FILE, MODEL_FILE, readManifest, validationProblems, type Manifest } from './manifest.ts';
import { checkFeatureRegistry, checkModelContract, type ModelContract, type ModelInput } from './model-contract.ts';
import { ModelLoadError, type ModelLoadProblem } from './model-load-problem.ts';
import { decodeOnnx, inspectDecoded } from './onnx-inspect.ts';
import { describeReadoutError, readPrediction, readPredictionInto, readoutFetches, unreadColumns, type Readout } from './output-readout.ts';
import { createSession, readFileChecked } from './raw-model.ts';
import { openNativeSession, type NativeSession } from './native-session.ts';
import { treeEnsembleOf, type TreeEnsembleRunner } from './tree-ensemble-runner.ts';

/** A `SignalModel` backed by onnxruntime, with the manifest it was loaded with. */
export interface OnnxSignalModel extends SignalModel {
  readonly manifest: Manifest;
  /** What loading accepted but the caller should log, e.g. a ZipMap output read through its tensor. */
  readonly warnings: readonly string[];
}

export type PredictionProblem =
  | { readonly kind: 'SchemaMismatch'; readonly expected: string; readonly actual: string }
  | { readonly kind: 'WrongLength'; readonly expected: number; readonly actual: number }
  | { readonly kind: 'RuntimeFailed'; readonly message: string }
  | { readonly kind: 'BadOutput'; readonly message: string };

/** The rejection of `predict`: it never returns a made-up prediction instead. */
export class PredictionError extends Error {
  readonly problem: PredictionProblem;
  constructor(modelId: string, problem: PredictionProblem) {
    super(`model ${modelId}: ${describePredictionProblem(problem)}`);
    this.name = 'PredictionError';
    this.problem = problem;
  }
}

function describePredictionProblem(p: PredictionProblem): string {
  switch (p.kind) {
    case 'SchemaMismatch': return `feature vector of schema ${p.actual}, but the model takes schema ${p.expected}`;
    case 'WrongLength': return `feature vector of ${p.actual} values, but the model takes ${p.expected}`;
    case 'RuntimeFailed': return `onnxruntime failed: ${p.message}`;
    case 'BadOutput': return p.message;
  }
}

/**
 * Loads `model.onnx` and `manifest.json` from `dir`. Rejects with a `ModelLoadError` naming the file
 * and the problem: a missing or invalid file, a feature the registry lacks or has at another
 * definition version, a schema other than `expected.schemaId` (the feature engine's), an input that
 * is not float [N or 1, features], a manifest output the model lacks or cannot return as a tensor
 * (a ZipMap with no tensor twin; see `checkModelContract`), an ai.onnx.ml opset the runtime cannot run.
 */
export async function loadOnnxModel(dir: string, expected?: { readonly schemaId: string }): Promise<OnnxSignalModel> {
  const loaded = await openOnnxModel(dir, expected);
  if (!loaded.ok) throw new ModelLoadError(loaded.error);
  return loaded.value;
}

/** `loadOnnxModel` returning the refusal as a result. */
export async function openOnnxModel(
  dir: string,
  expected?: { readonly schemaId: string },
): Promise<Result<OnnxSignalModel, ModelLoadProblem>> {
  const manifestFile = join(dir, MANIFEST_FILE);
  const modelFile = join(dir, MODEL_FILE);
  const manifestText = await readFileChecked(manifestFile, 'utf8');
  if (!manifestText.ok) return manifestText;
  const manifest = readManifest(manifestText.value);
  if (!manifest.ok) return err({ kind: 'ManifestInvalid', file: manifestFile, error: manifest.error });
  const registry = checkFeatureRegistry(manifest.value, manifestFile);
  if (!registry.ok) return registry;
  if (expected !== undefined && manifest.value.schemaId !== expected.schemaId) {
    return err({ kind: 'SchemaMismatch', file: manifestFile, expected: expected.schemaId, actual: manifest.value.schemaId });
  }
  const bytes = await readFileChecked(modelFile);
  if (!bytes.ok) return bytes;
  // One decode for the interface checks and the tree runner.
  const decoded = decodeOnnx(bytes.value);
  const inspection = decoded.ok ? inspectDecoded(decoded.value) : decoded;
  if (!inspection.ok) return err({ kind: 'ModelUndecodable', file: modelFile, error: inspection.error });
  const contract = checkModelContract(inspection.value, manifest.value, modelFile);
  if (!contract.ok) return contract;
  const session = await createSession(bytes.value, modelFile);
  if (!session.ok) return session;
  const trees = decoded.ok ? treeEnsembleOf(decoded.value, { unread: unreadColumns(contract.value.readout) }) : null;
  const model = new OrtSignalModel(session.value, manifest.value, contract.value, openNativeSession(bytes.value), trees);
  return ok(model);
}

class OrtSignalModel implements OnnxSignalModel {
  readonly info: ModelInfo;
  readonly manifest: Manifest;
  readonly warnings: readonly string[];
  private readonly session: InferenceSession;
  private readonly input: ModelInput;
  private readonly readout: Readout;
  private readonly fetches: readonly string[];
  // The runtime reads input buffers on a later turn of the event loop (onnxruntime-node defers `run`
  // with setImmediate), so the shared row must not be rewritten while a run is pending: a call that
  // arrives meanwhile gets its own buffer.
  private readonly row: Float32Array;
  private readonly feeds: Record<string, Tensor>;
  private busy = false;
  /** The outputs read, as the native run takes them. */
  private readonly wanted: Record<string, null>;

  constructor(
    session: InferenceSession,
    manifest: Manifest,
    contract: ModelContract,
    /** The same model run synchronously (see native-session.ts); null: through the public, deferred `run`. */
    private readonly native: NativeSession | null = null,
    /**
     * The same model walked here when it is one tree ensemble this runner computes exactly as the
     * runtime does (see tree-ensemble-runner.ts); null: through the runtime.
     */
    trees: TreeEnsembleRunner | null = null,
  ) {
    const { input, readout } = contract;
    this.session = session;
    this.manifest = manifest;
    this.warnings = [...contract.warnings, ...validationProblems(manifest)];
    this.input = input;
    this.readout = readout;
    this.fetches = readoutFetches(readout);
    this.wanted = Object.fromEntries(this.fetches.map((name) => [name, null]));
    this.info = {
      id: manifest.id,
      featureNames: manifest.featureNames,
      schemaId: manifest.schemaId,
      scoreMeaning: manifest.scoreMeaning,
      horizonMs: manifest.horizonMs,
      threshold: manifest.threshold,
      ...(manifest.abstain === undefined ? {} : { abstain: manifest.abstain }),
    };
    this.row = new Float32Array(input.features);
    this.feeds = { [input.name]: new Tensor('float32', this.row, [1, input.features]) };
    // The runner stands in only for a model read through its one output, of the input's width.
    const [fetch] = this.fetches;
    this.trees = trees !== null && this.fetches.length === 1 && fetch === trees.output && trees.features <= input.features ? trees : null;
    // Within the call where the model needs no deferred runtime call: the tree walk or the native session.
    if (this.trees !== null || this.native !== null) this.predictNow = (features) => this.predictWithin(features);
  }

  /**
   * `predict` within the call; set only where the model is walked here or run by the native session.
   * Its answer is one object the model rewrites at each call (see `SignalModel.predictNow`).
   */
  readonly predictNow?: (features: FeatureVector) => Prediction;
  private readonly answer = { score: 0, confidence: 0 };

  private readonly trees: TreeEnsembleRunner | null;
  /** The tree walk's last outputs, and one reader of them for every prediction (not a closure each). */
  private treeScores: Float32Array = new Float32Array(0);
  private readonly readTreeScores = (): Float32Array => this.treeScores;

  /** The checks and the in-process or native prediction of `predictNow`. */
  private predictWithin(features: FeatureVector): Prediction {
    this.check(features);
    if (this.trees !== null) return this.predictTrees(this.trees, features.values);
    return this.predictNative(features.values);
  }

  private check(features: FeatureVector): void {
    if (features.schemaId !== this.info.schemaId) {
      throw this.reject({ kind: 'SchemaMismatch', expected: this.info.schemaId, actual: features.schemaId });
    }
    const n = this.input.features;
    if (features.values.length !== n) throw this.reject({ kind: 'WrongLength', expected: n, actual: features.values.length });
  }

  async predict(features: FeatureVector): Promise<Prediction> {
    if (features.schemaId !== this.info.schemaId) {
      throw this.reject({ kind: 'SchemaMismatch', expected: this.info.schemaId, actual: features.schemaId });
    }
    const n = this.input.features;
    if (features.values.length !== n) throw this.reject({ kind: 'WrongLength', expected: n, actual: features.values.length });
    // The in-call answer is rewritten by the next call: a promise's value is the caller's to keep.
    if (this.trees !== null) return { ...this.predictTrees(this.trees, features.values) };
    if (this.native !== null) return this.predictNative(features.values);
    const shared = !this.busy;
    const row = shared ? this.row : new Float32Array(n);
    const feeds = shared ? this.feeds : { [this.input.name]: new Tensor('float32', row, [1, n]) };
    // Float64 features are rounded to float32 here, the model's input type.
    row.set(features.values);
    if (shared) this.busy = true;
    let results: InferenceSession.ReturnType;
    try {
      results = await this.session.run(feeds, this.fetches);
    } catch (e) {
      throw this.reject({ kind: 'RuntimeFailed', message: e instanceof Error ? e.message : String(e) });
    } finally {
      if (shared) this.busy = false;
    }
    const prediction = readPrediction(this.readout, (name) => tensorNumbers(results, name));
    if (!prediction.ok) throw this.reject({ kind: 'BadOutput', message: describeReadoutError(prediction.error) });
    return prediction.value;
  }

  /** One prediction by the native session, within this call: the shared row is free again when it returns. */
  private predictNative(values: Float64Array): Prediction {
    this.row.set(values);
    let results: Record<string, { readonly data: unknown }>;
    try {
      results = (this.native as NativeSession).run(this.feeds, this.wanted, {});
    } catch (e) {
      throw this.reject({ kind: 'RuntimeFailed', message: e instanceof Error ? e.message : String(e) });
    }
    const prediction = readPrediction(this.readout, (name) => tensorNumbers(results, name));
    if (!prediction.ok) throw this.reject({ kind: 'BadOutput', message: describeReadoutError(prediction.error) });
    return prediction.value;
  }

  /**
   * One prediction by the in-process tree walk: the runtime's outputs, without a call into it, read
   * into the model's one answer object (no result and prediction made at every book frame).
   */
  private predictTrees(trees: TreeEnsembleRunner, values: Float64Array): Prediction {
    this.treeScores = trees.run(values);
    const error = readPredictionInto(this.readout, this.readTreeScores, this.answer);
    if (error !== null) throw this.reject({ kind: 'BadOutput', message: describeReadoutError(error) });
    return this.answer;
  }

  async close(): Promise<void> {
    this.native?.dispose();
    await this.session.release();
  }

  private reject(problem: PredictionProblem): PredictionError {
    return new PredictionError(this.info.id, problem);
  }
}

function tensorNumbers(results: Readonly<Record<string, { readonly data: unknown } | undefined>>, name: string): ArrayLike<number> {
  const data = results[name]?.data;
  // The load-time contract admits only float and double outputs; anything else is a broken invariant.
  if (!(data instanceof Float32Array) && !(data instanceof Float64Array)) {
    throw new Error(`output '${name}' did not come back as a float tensor`);
  }
  return data;
}
