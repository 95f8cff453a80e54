import { err, ok, type Result } from '../../domain/result.ts';
import type { Manifest } from './manifest.ts';
import type { ModelLoadProblem } from './model-load-problem.ts';
import { opsetVersion, type OnnxInspection } from './onnx-inspect.ts';
import { describeType, type ValueSpec, type ValueType } from './onnx-types.ts';
import type { Readout } from './output-readout.ts';

/**
 * The newest ai.onnx.ml opset accepted. The exporters in use (onnxmltools, skl2onnx) target at most 4.
 * onnxruntime-node 1.30 also loads opset 5 (where TreeEnsemble v5 replaces TreeEnsembleRegressor and
 * -Classifier) and refuses 6, but no opset-5 model has been run through this adapter yet.
 */
export const MAX_ML_OPSET = 4;

/** What the adapter feeds: the one graph input, a float32 row of the manifest's features. */
export interface ModelInput {
  readonly name: string;
  readonly features: number;
}

/**
 * Checks a model file's declared interface against its manifest before any session exists, so a
 * mismatch is refused with a reason instead of failing on the first prediction.
 */
export function checkModelContract(
  model: OnnxInspection,
  manifest: Manifest,
  file: string,
): Result<{ readonly input: ModelInput; readonly readout: Readout }, ModelLoadProblem> {
  const ml = opsetVersion(model, 'ai.onnx.ml');
  if (ml !== undefined && ml > MAX_ML_OPSET) {
    return err({ kind: 'OpsetUnsupported', file, domain: 'ai.onnx.ml', version: ml, max: MAX_ML_OPSET });
  }
  const input = checkInput(model.inputs, manifest.featureNames.length, file);
  if (!input.ok) return input;
  const readout = resolveReadout(model.outputs, manifest, file);
  if (!readout.ok) return readout;
  return ok({ input: input.value, readout: readout.value });
}

function checkInput(inputs: readonly ValueSpec[], features: number, file: string): Result<ModelInput, ModelLoadProblem> {
  const want = `one float input of shape [N or 1, ${features}] (the manifest's ${features} features)`;
  const refuse = (detail: string): Result<never, ModelLoadProblem> => err({ kind: 'InputMismatch', file, detail });
  if (inputs.length !== 1) {
    return refuse(`the model has ${inputs.length} inputs (${inputs.map((i) => i.name).join(', ')}); expected ${want}`);
  }
  const [input] = inputs as [ValueSpec];
  const t = input.type;
  const got = `input '${input.name}' is ${describeType(t)}; expected ${want}`;
  if (t.kind !== 'tensor' || t.elemType !== 'float' || t.shape === null || t.shape.length !== 2) return refuse(got);
  const [rows, cols] = t.shape;
  // The batch dimension may be symbolic ("N"), left unknown, or fixed at 1: the adapter feeds one row.
  if (typeof rows === 'number' && rows !== 1) return refuse(got);
  if (cols !== features) return refuse(got);
  return ok({ name: input.name, features });
}

function resolveReadout(outputs: readonly ValueSpec[], manifest: Manifest, file: string): Result<Readout, ModelLoadProblem> {
  const o = manifest.output;
  switch (o.kind) {
    case 'score': {
      const score = checkRowOutput(outputs, o.score, 1, file);
      if (!score.ok) return score;
      if (typeof o.confidence !== 'string') return ok({ kind: 'score', score: o.score, confidence: o.confidence });
      const confidence = checkRowOutput(outputs, o.confidence, 1, file);
      if (!confidence.ok) return confidence;
      return ok({ kind: 'score', score: o.score, confidence: { kind: 'tensor', tensor: o.confidence } });
    }
    case 'classProbabilities': {
      const probabilities = checkRowOutput(outputs, o.tensor, o.classes.length, file);
      if (!probabilities.ok) return probabilities;
      return ok({
        kind: 'classProbabilities',
        tensor: o.tensor,
        columns: o.classes.length,
        up: o.classes.indexOf('up'),
        down: o.classes.indexOf('down'),
      });
    }
  }
}

/** A named output must be a float tensor holding `perRow` values a row: [N, perRow], or [N] when 1. */
function checkRowOutput(
  outputs: readonly ValueSpec[],
  name: string,
  perRow: number,
  file: string,
): Result<void, ModelLoadProblem> {
  const out = outputs.find((x) => x.name === name);
  if (out === undefined) return err({ kind: 'OutputMissing', file, output: name, available: outputs.map((x) => x.name) });
  const t = out.type;
  if (t.kind !== 'tensor') {
    const alternative = outputs.find((x) => x.name !== name && fitsRow(x.type, perRow))?.name;
    return err({ kind: 'OutputNotTensor', file, output: name, type: describeType(t), alternative });
  }
  if (!fitsRow(t, perRow)) {
    const detail = `is ${describeType(t)}; expected a float tensor [N, ${perRow}]${perRow === 1 ? ' or [N]' : ''}`;
    return err({ kind: 'OutputUnusable', file, output: name, detail });
  }
  return ok(undefined);
}

function fitsRow(t: ValueType, perRow: number): boolean {
  if (t.kind !== 'tensor' || (t.elemType !== 'float' && t.elemType !== 'double')) return false;
  // An undeclared shape or dimension is checked on the first prediction instead.
  if (t.shape === null) return true;
  if (t.shape.length === 1) return perRow === 1;
  if (t.shape.length !== 2) return false;
  const last = t.shape[1];
  return typeof last !== 'number' || last === perRow;
}
