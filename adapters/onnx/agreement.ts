import { InferenceSession, Tensor } from 'onnxruntime-node';

/** How far onnxruntime's outputs stand from the trainer's own predictions. */
export interface Agreement {
  readonly rows: number;
  /** Largest |onnxruntime − trainer| over every row and output column. */
  readonly maxAbsDiff: number;
  /** The row and column where it is. */
  readonly worstRow: number;
  readonly worstColumn: number;
}

const BATCH = 8_192;

/**
 * Runs `rows` × `features` values (row-major) through the ONNX model in batches, reading output
 * `output` as [N, columns], and compares it with `expected[column][row]`. Rejects when the runtime
 * refuses the model or the output has another width.
 */
export async function measureAgreement(
  bytes: Uint8Array, input: string, output: string, values: Float64Array, features: number, expected: readonly Float64Array[],
): Promise<Agreement> {
  const session = await InferenceSession.create(bytes, { intraOpNumThreads: 1, interOpNumThreads: 1, logSeverityLevel: 3 });
  const rows = values.length / features;
  const columns = expected.length;
  let worst = { maxAbsDiff: 0, worstRow: -1, worstColumn: -1 };
  try {
    for (let start = 0; start < rows; start += BATCH) {
      const n = Math.min(BATCH, rows - start);
      const batch = Float32Array.from(values.subarray(start * features, (start + n) * features));
      const result = await session.run({ [input]: new Tensor('float32', batch, [n, features]) }, [output]);
      const data = result[output].data as Float32Array;
      if (data.length !== n * columns) throw new Error(`output '${output}' holds ${data.length} values for ${n} rows, expected ${n * columns}`);
      for (let i = 0; i < n; i++) {
        for (let c = 0; c < columns; c++) {
          const diff = Math.abs(data[i * columns + c] - expected[c][start + i]);
          if (!(diff <= worst.maxAbsDiff)) worst = { maxAbsDiff: diff, worstRow: start + i, worstColumn: c };
        }
      }
    }
  } finally {
    await session.release();
  }
  return { rows, ...worst };
}
