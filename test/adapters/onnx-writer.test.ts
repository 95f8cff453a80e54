import { InferenceSession, Tensor } from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { buildLinearScorer } from '../../adapters/onnx/linear-scorer.ts';
import { inspectOnnx, opsetVersion } from '../../adapters/onnx/onnx-inspect.ts';
import { AttributeType, int64ToNumber, ModelProtoType, type Int64 } from '../../adapters/onnx/onnx-proto.ts';
import { tensorValue, type ValueSpec } from '../../adapters/onnx/onnx-types.ts';
import { encodeOnnxModel, type ModelSpec } from '../../adapters/onnx/onnx-writer.ts';
import { unwrap } from '../../domain/result.ts';

const zipMapOutput: ValueSpec = {
  name: 'output_probability',
  type: { kind: 'sequence', elem: { kind: 'map', keyType: 'int64', value: { kind: 'tensor', elemType: 'float', shape: null } } },
};

/** A softmax classifier with a ZipMap output beside its tensor output, as skl2onnx exports them. */
const classifierSpec: ModelSpec = {
  graphName: 'zipmap-classifier',
  opsets: [{ domain: '', version: 17 }, { domain: 'ai.onnx.ml', version: 1 }],
  inputs: [tensorValue('x', 'float', ['N', 2])],
  outputs: [tensorValue('probabilities', 'float', ['N', 3]), zipMapOutput],
  initializers: [{ name: 'W', dims: [2, 3], values: [1, 0, -1, 0.5, 0.5, 0.5] }],
  nodes: [
    { opType: 'MatMul', inputs: ['x', 'W'], outputs: ['logits'] },
    { opType: 'Softmax', inputs: ['logits'], outputs: ['probabilities'], attributes: [{ name: 'axis', type: 'int', value: 1 }] },
    {
      opType: 'ZipMap',
      domain: 'ai.onnx.ml',
      inputs: ['probabilities'],
      outputs: ['output_probability'],
      attributes: [{ name: 'classlabels_int64s', type: 'ints', value: [0, 1, 2] }],
    },
  ],
  metadata: [['origin', 'test'], ['classes', '0,1,2']],
};

interface DecodedAttribute {
  name: string;
  type: number;
  f: number;
  i: Int64;
  s: Uint8Array;
  floats: number[];
  ints: Int64[];
  strings: Uint8Array[];
  t: { dims: Int64[]; floatData: number[] } | null;
}

describe('encodeOnnxModel and inspectOnnx', () => {
  it('reads back the inputs, outputs, opsets, op types and metadata it wrote', () => {
    const m = unwrap(inspectOnnx(encodeOnnxModel(classifierSpec)));
    expect(m.irVersion).toBe(8);
    expect(m.producerName).toBe('ladder');
    expect(m.graphName).toBe('zipmap-classifier');
    expect(m.inputs).toEqual(classifierSpec.inputs);
    expect(m.outputs).toEqual(classifierSpec.outputs);
    expect(m.opsets).toEqual(classifierSpec.opsets);
    expect(opsetVersion(m, 'ai.onnx.ml')).toBe(1);
    expect(opsetVersion(m, 'com.microsoft')).toBeUndefined();
    expect(m.opTypes).toEqual(['MatMul', 'Softmax', 'ZipMap']);
    expect([...m.metadata]).toEqual([['origin', 'test'], ['classes', '0,1,2']]);
  });

  it('writes every attribute kind with its onnx.proto type code', () => {
    const bytes = encodeOnnxModel({
      graphName: 'attrs',
      opsets: [{ domain: '', version: 17 }],
      inputs: [tensorValue('x', 'float', [1])],
      outputs: [tensorValue('y', 'float', [1])],
      nodes: [{
        opType: 'Identity',
        inputs: ['x'],
        outputs: ['y'],
        attributes: [
          { name: 'f', type: 'float', value: 0.5 },
          { name: 'i', type: 'int', value: -3 },
          { name: 's', type: 'string', value: 'héllo' },
          { name: 'fs', type: 'floats', value: [1.5, -2] },
          { name: 'is', type: 'ints', value: [4, 2 ** 40] },
          { name: 'ss', type: 'strings', value: ['a', 'bc'] },
          { name: 't', type: 'tensor', value: { name: 'k', dims: [2], values: [0.25, 8] } },
        ],
      }],
    });
    const decoded = ModelProtoType.decode(bytes) as unknown as { graph: { node: { attribute: DecodedAttribute[] }[] } };
    const [f, i, s, fs, is, ss, t] = decoded.graph.node[0].attribute;
    const text = (b: Uint8Array): string => new TextDecoder().decode(b);
    expect([f.type, f.f]).toEqual([AttributeType.FLOAT, 0.5]);
    expect([i.type, int64ToNumber(i.i)]).toEqual([AttributeType.INT, -3]);
    expect([s.type, text(s.s)]).toEqual([AttributeType.STRING, 'héllo']);
    expect([fs.type, fs.floats]).toEqual([AttributeType.FLOATS, [1.5, -2]]);
    expect([is.type, is.ints.map(int64ToNumber)]).toEqual([AttributeType.INTS, [4, 2 ** 40]]);
    expect([ss.type, ss.strings.map(text)]).toEqual([AttributeType.STRINGS, ['a', 'bc']]);
    expect([t.type, t.t!.dims.map(int64ToNumber), t.t!.floatData]).toEqual([AttributeType.TENSOR, [2], [0.25, 8]]);
  });

  it('gives the same bytes for the same description, other bytes for another', () => {
    const spec = { featureNames: ['a', 'b'], weights: [0.5, -1], bias: 0.1, confidenceScale: 2, modelId: 'm' };
    const first = buildLinearScorer(spec);
    expect(Buffer.from(buildLinearScorer(spec)).equals(first)).toBe(true);
    expect(Buffer.from(buildLinearScorer({ ...spec, bias: 0.2 })).equals(first)).toBe(false);
  });

  it('refuses a tensor whose values do not fill its dims', () => {
    expect(() => encodeOnnxModel({ ...classifierSpec, initializers: [{ name: 'W', dims: [2, 3], values: [1, 2] }] }))
      .toThrow(/dims \[2,3\] hold 6 values, got 2/);
  });

  it('reports truncated bytes as undecodable, and an empty message as graphless', () => {
    // Field 7 (graph), length 100, followed by only two bytes.
    const garbage = inspectOnnx(new Uint8Array([0x3a, 0x64, 0x01, 0x02]));
    expect(garbage.ok ? 'ok' : garbage.error.kind).toBe('OnnxUndecodable');
    const empty = inspectOnnx(new Uint8Array(0));
    expect(empty.ok ? 'ok' : empty.error.kind).toBe('OnnxWithoutGraph');
  });

  it('leaves initializers that an old exporter also lists as graph inputs out of the inputs', () => {
    const spec: ModelSpec = { ...classifierSpec, inputs: [...classifierSpec.inputs, tensorValue('W', 'float', [2, 3])] };
    expect(unwrap(inspectOnnx(encodeOnnxModel(spec))).inputs.map((v) => v.name)).toEqual(['x']);
  });
});

describe('models written here run in onnxruntime-node', () => {
  it('loads the ZipMap classifier and returns its tensor output, not the ZipMap one', async () => {
    const session = await InferenceSession.create(encodeOnnxModel(classifierSpec));
    try {
      expect(session.inputMetadata).toEqual([{ name: 'x', isTensor: true, type: 'float32', shape: ['N', 2] }]);
      expect(session.outputMetadata[1]).toEqual({ name: 'output_probability', isTensor: false });
      const feeds = { x: new Tensor('float32', new Float32Array([1, 2]), [1, 2]) };
      const p = (await session.run(feeds, ['probabilities'])).probabilities.data as Float32Array;
      // Softmax of x·W = [2, 1, 0].
      const z = [Math.exp(2), Math.exp(1), 1];
      const sum = z[0] + z[1] + z[2];
      z.forEach((v, k) => expect(p[k]).toBeCloseTo(v / sum, 6));
      await expect(session.run(feeds)).rejects.toThrow(/Non tensor type/);
    } finally {
      await session.release();
    }
  });
});
