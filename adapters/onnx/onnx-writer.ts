import { AttributeType, DataType, ModelProtoType } from './onnx-proto.ts';
import { elemTypeCode, type ValueSpec, type ValueType } from './onnx-types.ts';

/** An opset import; domain '' is the default `ai.onnx` operator set, 'ai.onnx.ml' the classic ML one. */
export interface OpsetSpec {
  readonly domain: string;
  readonly version: number;
}

/** A constant float32 tensor, row-major. */
export interface FloatTensorSpec {
  readonly name: string;
  readonly dims: readonly number[];
  readonly values: ArrayLike<number>;
}

export type AttributeSpec =
  | { readonly name: string; readonly type: 'float'; readonly value: number }
  | { readonly name: string; readonly type: 'int'; readonly value: number }
  | { readonly name: string; readonly type: 'string'; readonly value: string }
  | { readonly name: string; readonly type: 'floats'; readonly value: readonly number[] }
  | { readonly name: string; readonly type: 'ints'; readonly value: readonly number[] }
  | { readonly name: string; readonly type: 'strings'; readonly value: readonly string[] }
  | { readonly name: string; readonly type: 'tensor'; readonly value: FloatTensorSpec };

export interface NodeSpec {
  readonly opType: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly name?: string;
  /** '' (the default) for ai.onnx operators, 'ai.onnx.ml' for TreeEnsemble*, ZipMap, ... */
  readonly domain?: string;
  readonly attributes?: readonly AttributeSpec[];
}

export interface ModelSpec {
  readonly graphName: string;
  readonly inputs: readonly ValueSpec[];
  readonly outputs: readonly ValueSpec[];
  readonly initializers?: readonly FloatTensorSpec[];
  /** In topological order, as ONNX requires. */
  readonly nodes: readonly NodeSpec[];
  readonly opsets: readonly OpsetSpec[];
  /** Defaults to 8, the IR of opset 17; onnxruntime 1.30 reads up to IR 11. */
  readonly irVersion?: number;
  readonly producerName?: string;
  readonly producerVersion?: string;
  readonly modelVersion?: number;
  readonly docString?: string;
  /** Written as ModelProto.metadata_props, in the given order. */
  readonly metadata?: readonly (readonly [key: string, value: string])[];
}

const DEFAULT_IR_VERSION = 8;
const utf8 = new TextEncoder();

/**
 * Encodes a model description as ONNX bytes. The same description always gives the same bytes: fields
 * are written in field-number order and every list keeps the order it was given in.
 * A malformed description (a tensor whose values do not fill its dims, a non-integer dim) is a bug in
 * the caller and throws.
 */
export function encodeOnnxModel(spec: ModelSpec): Uint8Array {
  const model = {
    irVersion: spec.irVersion ?? DEFAULT_IR_VERSION,
    opsetImport: spec.opsets.map((o) => ({ domain: o.domain, version: checkedInt(o.version, 'opset version') })),
    producerName: spec.producerName ?? 'ladder',
    producerVersion: spec.producerVersion ?? '',
    modelVersion: spec.modelVersion ?? 1,
    docString: spec.docString ?? '',
    graph: {
      name: spec.graphName,
      node: spec.nodes.map(nodeMessage),
      initializer: (spec.initializers ?? []).map(floatTensorMessage),
      input: spec.inputs.map(valueInfoMessage),
      output: spec.outputs.map(valueInfoMessage),
    },
    metadataProps: (spec.metadata ?? []).map(([key, value]) => ({ key, value })),
  };
  return ModelProtoType.encode(model).finish();
}

function nodeMessage(n: NodeSpec): object {
  return {
    input: [...n.inputs],
    output: [...n.outputs],
    name: n.name ?? '',
    opType: n.opType,
    domain: n.domain ?? '',
    attribute: (n.attributes ?? []).map(attributeMessage),
  };
}

function attributeMessage(a: AttributeSpec): object {
  switch (a.type) {
    case 'float': return { name: a.name, type: AttributeType.FLOAT, f: a.value };
    case 'int': return { name: a.name, type: AttributeType.INT, i: checkedInt(a.value, a.name) };
    case 'string': return { name: a.name, type: AttributeType.STRING, s: utf8.encode(a.value) };
    case 'floats': return { name: a.name, type: AttributeType.FLOATS, floats: [...a.value] };
    case 'ints': return { name: a.name, type: AttributeType.INTS, ints: a.value.map((v) => checkedInt(v, a.name)) };
    case 'strings': return { name: a.name, type: AttributeType.STRINGS, strings: a.value.map((s) => utf8.encode(s)) };
    case 'tensor': return { name: a.name, type: AttributeType.TENSOR, t: floatTensorMessage(a.value) };
  }
}

function floatTensorMessage(t: FloatTensorSpec): object {
  const count = t.dims.reduce((n, d) => n * checkedInt(d, `${t.name} dim`), 1);
  if (count !== t.values.length) {
    throw new Error(`tensor ${t.name}: dims [${t.dims.join(',')}] hold ${count} values, got ${t.values.length}`);
  }
  // float_data is a packed float32 field: values are rounded to float32 on the way out.
  return { name: t.name, dims: [...t.dims], dataType: DataType.FLOAT, floatData: Array.from(t.values) };
}

function valueInfoMessage(v: ValueSpec): object {
  return { name: v.name, type: typeMessage(v.type) };
}

function typeMessage(t: ValueType): object {
  switch (t.kind) {
    case 'tensor': {
      const tensorType: { elemType: number; shape?: object } = { elemType: elemTypeCode(t.elemType) };
      if (t.shape !== null) tensorType.shape = { dim: t.shape.map(dimMessage) };
      return { tensorType };
    }
    case 'sequence': return { sequenceType: { elemType: typeMessage(t.elem) } };
    case 'map': return { mapType: { keyType: elemTypeCode(t.keyType), valueType: typeMessage(t.value) } };
    case 'other': throw new Error('cannot write a value of unsupported type');
  }
}

function dimMessage(d: number | string | null): object {
  if (d === null) return {};
  return typeof d === 'number' ? { dimValue: checkedInt(d, 'dim') } : { dimParam: d };
}

function checkedInt(v: number, what: string): number {
  if (!Number.isSafeInteger(v)) throw new Error(`${what} must be an integer, got ${v}`);
  return v;
}
