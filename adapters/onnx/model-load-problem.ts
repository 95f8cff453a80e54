import { describeManifestError, type ManifestError } from './manifest.ts';
import { describeInspectError, type OnnxInspectError } from './onnx-inspect.ts';

/** Skl2onnx's advice for classifiers exported with a ZipMap output. */
export const ZIPMAP_ADVICE = "re-export without ZipMap (skl2onnx: options={'zipmap': False})";

/** Why a model directory was refused; `file` is the path of the file at fault. */
export type ModelLoadProblem =
  | { readonly kind: 'FileMissing'; readonly file: string }
  | { readonly kind: 'FileUnreadable'; readonly file: string; readonly message: string }
  | { readonly kind: 'ManifestInvalid'; readonly file: string; readonly error: ManifestError }
  | { readonly kind: 'SchemaMismatch'; readonly file: string; readonly expected: string; readonly actual: string }
  | { readonly kind: 'ModelUndecodable'; readonly file: string; readonly error: OnnxInspectError }
  | { readonly kind: 'InputMismatch'; readonly file: string; readonly detail: string }
  | { readonly kind: 'OutputMissing'; readonly file: string; readonly output: string; readonly available: readonly string[] }
  | {
    readonly kind: 'OutputNotTensor';
    readonly file: string;
    readonly output: string;
    readonly type: string;
    /** A tensor output of the same model the manifest could name instead, if there is one. */
    readonly alternative: string | undefined;
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
    case 'ModelUndecodable': return `${p.file}: ${describeInspectError(p.error)}`;
    case 'InputMismatch': return `${p.file}: ${p.detail}`;
    case 'OutputMissing':
      return `${p.file}: the manifest names output '${p.output}', which the model lacks (outputs: ${p.available.join(', ')})`;
    case 'OutputNotTensor': {
      const fix = p.alternative === undefined
        ? ZIPMAP_ADVICE
        : `name its tensor output '${p.alternative}' in the manifest instead`;
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
