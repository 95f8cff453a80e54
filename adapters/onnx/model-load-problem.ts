import { describeManifestError, type ManifestError } from './manifest.ts';
import { describeInspectError, type OnnxInspectError } from './onnx-inspect.ts';

/** How to export a classifier without its ZipMap output, with the converters' own options. */
export const ZIPMAP_ADVICE = 're-export the classifier without ZipMap: skl2onnx convert_sklearn(..., '
  + "options={id(model): {'zipmap': False}}), onnxmltools convert_lightgbm(..., zipmap=False)";

/** Why a model directory was refused; `file` is the path of the file at fault. */
export type ModelLoadProblem =
  | { readonly kind: 'FileMissing'; readonly file: string }
  | { readonly kind: 'FileUnreadable'; readonly file: string; readonly message: string }
  | { readonly kind: 'ManifestInvalid'; readonly file: string; readonly error: ManifestError }
  | { readonly kind: 'SchemaMismatch'; readonly file: string; readonly expected: string; readonly actual: string }
  /** `near`: registry names that look like it, nearest first. */
  | { readonly kind: 'FeatureUnknown'; readonly file: string; readonly index: number; readonly name: string; readonly near: readonly string[] }
  | {
    readonly kind: 'FeatureVersionMismatch';
    readonly file: string;
    readonly index: number;
    readonly name: string;
    readonly version: number;
    readonly current: number;
  }
  | { readonly kind: 'ModelUndecodable'; readonly file: string; readonly error: OnnxInspectError }
  | { readonly kind: 'InputMismatch'; readonly file: string; readonly detail: string }
  | { readonly kind: 'OutputMissing'; readonly file: string; readonly output: string; readonly available: readonly string[] }
  | {
    readonly kind: 'OutputNotTensor';
    readonly file: string;
    readonly output: string;
    readonly type: string;
    /** Tensor outputs of the right width that could hold its values; several, or none. */
    readonly candidates: readonly string[];
  }
  | { readonly kind: 'OutputUnusable'; readonly file: string; readonly output: string; readonly detail: string }
  | {
    readonly kind: 'OpsetUnsupported';
    readonly file: string;
    readonly domain: string;
    readonly version: number;
    readonly max: number;
  }
  | { readonly kind: 'RuntimeRefused'; readonly file: string; readonly message: string };

export function describeModelLoadProblem(p: ModelLoadProblem): string {
  switch (p.kind) {
    case 'FileMissing': return `${p.file} is missing`;
    case 'FileUnreadable': return `${p.file} cannot be read: ${p.message}`;
    case 'ManifestInvalid': return `${p.file}: ${describeManifestError(p.error)}`;
    case 'SchemaMismatch':
      return `${p.file}: the model's feature schema ${p.actual} is not the feature engine's ${p.expected}`;
    case 'FeatureUnknown': {
      const near = p.near.length === 0 ? '' : ` (did you mean ${p.near.join(', ')}?)`;
      return `${p.file}: featureNames[${p.index}] '${p.name}' is not a feature of the registry${near}; `
        + 'a trading run feeds the model only features the feature engine computes (see `ladder features --list`)';
    }
    case 'FeatureVersionMismatch':
      return `${p.file}: feature '${p.name}' (featureNames[${p.index}]) was trained at definition version ${p.version}, `
        + `but the registry's definition is version ${p.current}; retrain the model on the current definition`;
    case 'ModelUndecodable': return `${p.file}: ${describeInspectError(p.error)}`;
    case 'InputMismatch': return `${p.file}: ${p.detail}`;
    case 'OutputMissing':
      return `${p.file}: the manifest names output '${p.output}', which the model lacks (outputs: ${p.available.join(', ')})`;
    case 'OutputNotTensor': {
      const fix = p.candidates.length === 0
        ? ZIPMAP_ADVICE
        : `name the tensor output that holds its values in the manifest instead (one of ${p.candidates.join(', ')})`;
      return `${p.file}: output '${p.output}' is ${p.type} (a ZipMap-style output), not a tensor, and `
        + `onnxruntime-node cannot return it; ${fix}`;
    }
    case 'OutputUnusable': return `${p.file}: output '${p.output}' ${p.detail}`;
    case 'OpsetUnsupported':
      return `${p.file}: imports ${p.domain === '' ? 'ai.onnx' : p.domain} opset ${p.version}, above the ${p.max} `
        + 'this adapter accepts; re-export with a lower target opset';
    case 'RuntimeRefused': return `${p.file}: onnxruntime refused the model: ${p.message}`;
  }
}

/** Thrown by `loadOnnxModel`: a start-up failure, carrying the tagged problem for callers that switch. */
export class ModelLoadError extends Error {
  readonly problem: ModelLoadProblem;
  constructor(problem: ModelLoadProblem) {
    super(describeModelLoadProblem(problem));
    this.name = 'ModelLoadError';
    this.problem = problem;
  }
}
