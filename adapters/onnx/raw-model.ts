import { readFile } from 'node:fs/promises';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { err, ok, type Result } from '../../domain/result.ts';
import type { ModelLoadProblem } from './model-load-problem.ts';
import { inspectOnnx, type OnnxInspection } from './onnx-inspect.ts';
import { describeType, type ElemType } from './onnx-types.ts';

// One row at a time on a shared two-core machine: extra threads would only contend.
export const SESSION_OPTIONS: InferenceSession.SessionOptions = {
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
  executionMode: 'sequential',
  graphOptimizationLevel: 'all',
  logSeverityLevel: 3,
};

/** Element types whose tensors come back from onnxruntime-node as plain numbers or bigints. */
const NUMERIC: readonly ElemType[] = ['float', 'double', 'int8', 'uint8', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'uint64', 'bool'];

/** Each tensor output's values, by output name in graph order, then by row. */
export type RawOutputs = ReadonlyMap<string, readonly (readonly number[])[]>;

export type RawRunProblem =
  | { readonly kind: 'NoRows' }
  | { readonly kind: 'RowWidth'; readonly row: number; readonly expected: number; readonly actual: number }
  | { readonly kind: 'RuntimeFailed'; readonly message: string }
  /** An output whose first dimension is not the number of rows fed, so it cannot be split by row. */
  | { readonly kind: 'OutputNotPerRow'; readonly output: string; readonly dims: readonly number[]; readonly rows: number };

export function describeRawRunProblem(p: RawRunProblem): string {
  switch (p.kind) {
    case 'NoRows': return 'no rows to run';
    case 'RowWidth': return `row ${p.row} has ${p.actual} values, but the model's input takes ${p.expected}`;
    case 'RuntimeFailed': return `onnxruntime failed: ${p.message}`;
    case 'OutputNotPerRow':
      return `output '${p.output}' has dims [${p.dims.join(',')}], not one entry per row of the ${p.rows} fed`;
  }
}

/** Any ONNX model with one 2-D float input, run on rows of numbers without a manifest. */
export interface RawModel {
  readonly file: string;
  readonly inspection: OnnxInspection;
  readonly input: { readonly name: string; readonly width: number | null };
  /** Tensor outputs, in graph order: what `run` fetches and returns. */
  readonly outputs: readonly string[];
  /** Outputs `run` cannot return (ZipMap sequences, maps, strings), with their types. */
  readonly skipped: readonly { readonly name: string; readonly type: string }[];
  /** Feeds all rows through one `session.run` (row by row when the input's batch is fixed at 1). */
  run(rows: readonly (readonly number[])[]): Promise<Result<RawOutputs, RawRunProblem>>;
  close(): Promise<void>;
}

/** Reads, inspects and opens `file`; a refusal names the file and the problem. */
export async function openRawModel(file: string): Promise<Result<RawModel, ModelLoadProblem>> {
  const bytes = await readFileChecked(file);
  if (!bytes.ok) return bytes;
  const inspection = inspectOnnx(bytes.value);
  if (!inspection.ok) return err({ kind: 'ModelUndecodable', file, error: inspection.error });
  const input = rawInput(inspection.value, file);
  if (!input.ok) return input;
  const outputs: string[] = [];
  const skipped: { name: string; type: string }[] = [];
  for (const o of inspection.value.outputs) {
    if (o.type.kind === 'tensor' && NUMERIC.includes(o.type.elemType)) outputs.push(o.name);
    else skipped.push({ name: o.name, type: describeType(o.type) });
  }
  const session = await createSession(bytes.value, file);
  if (!session.ok) return session;
  return ok(new OrtRawModel(file, inspection.value, input.value, outputs, skipped, session.value));
}

interface RawInput {
  readonly name: string;
  readonly width: number | null;
  readonly double: boolean;
  /** False when the file fixes the batch dimension at 1. */
  readonly batched: boolean;
}

function rawInput(m: OnnxInspection, file: string): Result<RawInput, ModelLoadProblem> {
  const refuse = (detail: string): Result<never, ModelLoadProblem> => err({ kind: 'InputMismatch', file, detail });
  if (m.inputs.length !== 1) {
    return refuse(`the model has ${m.inputs.length} inputs (${m.inputs.map((i) => i.name).join(', ')}); expected one float input [N, features]`);
  }
  const { name, type: t } = m.inputs[0];
  if (t.kind !== 'tensor' || (t.elemType !== 'float' && t.elemType !== 'double') || t.shape === null || t.shape.length !== 2) {
    return refuse(`input '${name}' is ${describeType(t)}; expected a float input [N, features]`);
  }
  const [rows, cols] = t.shape;
  if (typeof rows === 'number' && rows !== 1) return refuse(`input '${name}' is ${describeType(t)}; its batch dimension must be N or 1`);
  return ok({ name, width: typeof cols === 'number' ? cols : null, double: t.elemType === 'double', batched: rows !== 1 });
}

/** Reads a file, telling a missing file from an unreadable one. */
export async function readFileChecked(file: string): Promise<Result<Uint8Array, ModelLoadProblem>>;
export async function readFileChecked(file: string, encoding: 'utf8'): Promise<Result<string, ModelLoadProblem>>;
export async function readFileChecked(file: string, encoding?: 'utf8'): Promise<Result<Uint8Array | string, ModelLoadProblem>> {
  try {
    return ok(encoding === undefined ? await readFile(file) : await readFile(file, encoding));
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    if (code === 'ENOENT') return err({ kind: 'FileMissing', file });
    return err({ kind: 'FileUnreadable', file, message: e instanceof Error ? e.message : String(e) });
  }
}

export async function createSession(bytes: Uint8Array, file: string): Promise<Result<InferenceSession, ModelLoadProblem>> {
  try {
    return ok(await InferenceSession.create(bytes, SESSION_OPTIONS));
  } catch (e) {
    return err({ kind: 'RuntimeRefused', file, message: e instanceof Error ? e.message : String(e) });
  }
}

class OrtRawModel implements RawModel {
  readonly input: { readonly name: string; readonly width: number | null };

  constructor(
    readonly file: string,
    readonly inspection: OnnxInspection,
    private readonly raw: RawInput,
    readonly outputs: readonly string[],
    readonly skipped: readonly { readonly name: string; readonly type: string }[],
    private readonly session: InferenceSession,
  ) {
    this.input = { name: raw.name, width: raw.width };
  }

  async run(rows: readonly (readonly number[])[]): Promise<Result<RawOutputs, RawRunProblem>> {
    if (rows.length === 0) return err({ kind: 'NoRows' });
    const width = this.raw.width ?? rows[0].length;
    const bad = rows.findIndex((r) => r.length !== width);
    if (bad >= 0) return err({ kind: 'RowWidth', row: bad, expected: width, actual: rows[bad].length });
    const batches = this.raw.batched ? [rows] : rows.map((r) => [r]);
    const merged = new Map<string, number[][]>(this.outputs.map((name) => [name, []]));
    for (const batch of batches) {
      const got = await this.runBatch(batch, width);
      if (!got.ok) return got;
      for (const [name, values] of got.value) merged.get(name)!.push(...values);
    }
    return ok(merged);
  }

  async close(): Promise<void> {
    await this.session.release();
  }

  private async runBatch(rows: readonly (readonly number[])[], width: number): Promise<Result<Map<string, number[][]>, RawRunProblem>> {
    const data = this.raw.double ? new Float64Array(rows.length * width) : new Float32Array(rows.length * width);
    rows.forEach((r, i) => data.set(r, i * width));
    let results: InferenceSession.ReturnType;
    try {
      const feeds = { [this.raw.name]: new Tensor(this.raw.double ? 'float64' : 'float32', data, [rows.length, width]) };
      results = await this.session.run(feeds, [...this.outputs]);
    } catch (e) {
      return err({ kind: 'RuntimeFailed', message: e instanceof Error ? e.message : String(e) });
    }
    const out = new Map<string, number[][]>();
    for (const name of this.outputs) {
      const t = results[name];
      const dims = t.dims.map(Number);
      if (dims.length === 0 || dims[0] !== rows.length) return err({ kind: 'OutputNotPerRow', output: name, dims, rows: rows.length });
      const values = Array.from(t.data as ArrayLike<number | bigint | boolean>, Number);
      const perRow = values.length / rows.length;
      out.set(name, rows.map((_, i) => values.slice(i * perRow, (i + 1) * perRow)));
    }
    return ok(out);
  }
}
