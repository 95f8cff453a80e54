import { tensorValue } from './onnx-types.ts';
import { encodeOnnxModel } from './onnx-writer.ts';

export interface LinearScorerSpec {
  readonly featureNames: readonly string[];
  /** One weight a feature, in feature order. */
  readonly weights: readonly number[];
  readonly bias: number;
  /** Score units per unit of tanh argument: confidence = |tanh(score / confidenceScale)|. */
  readonly confidenceScale: number;
  readonly modelId: string;
  /** ai.onnx opset; 17 by default. MatMul, Add, Div, Tanh and Abs are unchanged since opset 13. */
  readonly opsetVersion?: number;
}

/** Names of the scorer's graph values, which its manifest refers to. */
export const LINEAR_SCORER_INPUT = 'features';
export const LINEAR_SCORER_SCORE = 'score';
export const LINEAR_SCORER_CONFIDENCE = 'confidence';

/**
 * A linear model as ONNX: input `features` float32 [batch, F]; outputs
 * `score = features · W + b` and `confidence = |tanh(score / confidenceScale)|`, both [batch, 1].
 * Weights, bias and scale are stored as float32 initializers, so the model computes in float32.
 */
export function buildLinearScorer(spec: LinearScorerSpec): Uint8Array {
  const f = spec.featureNames.length;
  if (f === 0) throw new Error('a linear scorer needs at least one feature');
  if (spec.weights.length !== f) {
    throw new Error(`linear scorer ${spec.modelId}: ${f} features but ${spec.weights.length} weights`);
  }
  if (![...spec.weights, spec.bias].every(Number.isFinite)) {
    throw new Error(`linear scorer ${spec.modelId}: weights and bias must be finite`);
  }
  if (!(spec.confidenceScale > 0 && Number.isFinite(spec.confidenceScale))) {
    throw new Error(`linear scorer ${spec.modelId}: confidenceScale must be positive, got ${spec.confidenceScale}`);
  }
  return encodeOnnxModel({
    graphName: spec.modelId,
    docString: `linear scorer over ${spec.featureNames.join(', ')}`,
    opsets: [{ domain: '', version: spec.opsetVersion ?? 17 }],
    inputs: [tensorValue(LINEAR_SCORER_INPUT, 'float', ['batch', f])],
    outputs: [
      tensorValue(LINEAR_SCORER_SCORE, 'float', ['batch', 1]),
      tensorValue(LINEAR_SCORER_CONFIDENCE, 'float', ['batch', 1]),
    ],
    initializers: [
      { name: 'W', dims: [f, 1], values: spec.weights },
      { name: 'b', dims: [1], values: [spec.bias] },
      { name: 'confidence_scale', dims: [1], values: [spec.confidenceScale] },
    ],
    nodes: [
      { opType: 'MatMul', name: 'matmul', inputs: [LINEAR_SCORER_INPUT, 'W'], outputs: ['xw'] },
      { opType: 'Add', name: 'add_bias', inputs: ['xw', 'b'], outputs: [LINEAR_SCORER_SCORE] },
      { opType: 'Div', name: 'scale', inputs: [LINEAR_SCORER_SCORE, 'confidence_scale'], outputs: ['scaled'] },
      { opType: 'Tanh', name: 'tanh', inputs: ['scaled'], outputs: ['squashed'] },
      { opType: 'Abs', name: 'abs', inputs: ['squashed'], outputs: [LINEAR_SCORER_CONFIDENCE] },
    ],
    metadata: [['model_id', spec.modelId], ['feature_names', spec.featureNames.join(',')]],
  });
}

/**
 * The scorer's arithmetic in TypeScript, for tests: inputs and parameters are rounded to float32 as
 * the ONNX model stores and receives them, then combined in float64, so the model's float32 result
 * differs from this only by float32 rounding of the sum and the tanh.
 */
export function linearScore(
  values: ArrayLike<number>,
  weights: ArrayLike<number>,
  bias: number,
  scale: number,
): { readonly score: number; readonly confidence: number } {
  if (values.length !== weights.length) throw new Error(`${values.length} values for ${weights.length} weights`);
  let score = Math.fround(bias);
  for (let i = 0; i < values.length; i++) score += Math.fround(values[i]) * Math.fround(weights[i]);
  return { score, confidence: Math.abs(Math.tanh(score / Math.fround(scale))) };
}
