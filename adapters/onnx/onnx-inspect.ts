import { err, ok, type Result } from '../../domain/result.ts';
import {
  ModelProtoType,
  int64ToNumber,
  type DecodedModel,
  type DecodedShape,
  type DecodedType,
  type DecodedValueInfo,
} from './onnx-proto.ts';
import { elemTypeOfCode, type Dim, type ValueSpec, type ValueType } from './onnx-types.ts';
import type { OpsetSpec } from './onnx-writer.ts';

/** What a model file declares, read without a runtime. */
export interface OnnxInspection {
  readonly irVersion: number;
  readonly producerName: string;
  readonly producerVersion: string;
  readonly graphName: string;
  /** Graph inputs fed at run time; initializers that old exporters also list as inputs are left out. */
  readonly inputs: readonly ValueSpec[];
  readonly outputs: readonly ValueSpec[];
  /** Domain '' is ai.onnx; 'ai.onnx' is normalised to ''. */
  readonly opsets: readonly OpsetSpec[];
  /** Operator types used by the graph's nodes, each once, in order of first use ("ai.onnx.ml" ones too). */
  readonly opTypes: readonly string[];
  /** The graph's nodes in file order, as far as checks need them (which node makes an output). */
  readonly nodes: readonly OnnxNode[];
  readonly metadata: ReadonlyMap<string, string>;
}

export interface OnnxNode {
  readonly opType: string;
  /** '' for ai.onnx. */
  readonly domain: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
}

export type OnnxInspectError =
  | { readonly kind: 'OnnxUndecodable'; readonly message: string }
  | { readonly kind: 'OnnxWithoutGraph' };

export function describeInspectError(e: OnnxInspectError): string {
  switch (e.kind) {
    case 'OnnxUndecodable': return `not an ONNX model (protobuf decoding failed: ${e.message})`;
    case 'OnnxWithoutGraph': return 'the ONNX model has no graph';
  }
}

/** Decodes ONNX bytes far enough to check a model's interface before handing it to a runtime. */
export function inspectOnnx(bytes: Uint8Array): Result<OnnxInspection, OnnxInspectError> {
  const model = decodeOnnx(bytes);
  return model.ok ? inspectDecoded(model.value) : model;
}

/**
 * The bytes as protobufjs decodes them, for `inspectDecoded` and the tree runner (`treeEnsembleOf`):
 * a model loaded for trading is decoded once, not once for each (a decode cost some 90 M instructions,
 * nearly all of the load outside the runtime).
 */
export function decodeOnnx(bytes: Uint8Array): Result<DecodedModel, OnnxInspectError> {
  try {
    // The reflected type decodes exactly the messages declared in onnx-proto.ts.
    return ok(ModelProtoType.decode(bytes) as unknown as DecodedModel);
  } catch (e) {
    return err({ kind: 'OnnxUndecodable', message: e instanceof Error ? e.message : String(e) });
  }
}

/** `inspectOnnx` of a model already decoded by `decodeOnnx`. */
export function inspectDecoded(model: DecodedModel): Result<OnnxInspection, OnnxInspectError> {
  const graph = model.graph;
  if (graph === null) return err({ kind: 'OnnxWithoutGraph' });
  const initializers = new Set(graph.initializer.map((t) => t.name));
  const opTypes: string[] = [];
  for (const n of graph.node) if (!opTypes.includes(n.opType)) opTypes.push(n.opType);
  return ok({
    irVersion: int64ToNumber(model.irVersion),
    producerName: model.producerName,
    producerVersion: model.producerVersion,
    graphName: graph.name,
    inputs: graph.input.filter((v) => !initializers.has(v.name)).map(valueSpec),
    outputs: graph.output.map(valueSpec),
    opsets: model.opsetImport.map((o) => ({
      domain: o.domain === 'ai.onnx' ? '' : o.domain,
      version: int64ToNumber(o.version),
    })),
    opTypes,
    nodes: graph.node.map((n) => ({
      opType: n.opType,
      domain: n.domain === 'ai.onnx' ? '' : n.domain,
      inputs: [...n.input],
      outputs: [...n.output],
    })),
    metadata: new Map(model.metadataProps.map((p) => [p.key, p.value])),
  });
}

/** The version a model imports for a domain ('' = ai.onnx), or undefined when it does not import it. */
export const opsetVersion = (m: OnnxInspection, domain: string): number | undefined =>
  m.opsets.find((o) => o.domain === domain)?.version;

const valueSpec = (v: DecodedValueInfo): ValueSpec => ({ name: v.name, type: valueType(v.type) });

function valueType(t: DecodedType | null): ValueType {
  if (t === null) return { kind: 'other' };
  if (t.tensorType) {
    const elemType = elemTypeOfCode(t.tensorType.elemType);
    if (elemType === undefined) return { kind: 'other' };
    return { kind: 'tensor', elemType, shape: t.tensorType.shape ? shapeDims(t.tensorType.shape) : null };
  }
  if (t.sequenceType) return { kind: 'sequence', elem: valueType(t.sequenceType.elemType) };
  if (t.mapType) {
    const keyType = elemTypeOfCode(t.mapType.keyType);
    if (keyType === undefined) return { kind: 'other' };
    return { kind: 'map', keyType, value: valueType(t.mapType.valueType) };
  }
  return { kind: 'other' };
}

function shapeDims(shape: DecodedShape): Dim[] {
  // A Dimension holds dim_value or dim_param (a oneof) or neither, which means unknown; protobufjs
  // names the member that was present in the virtual oneof property `value`.
  return shape.dim.map((d) => {
    switch (d.value) {
      case 'dimValue': return int64ToNumber(d.dimValue);
      case 'dimParam': return d.dimParam;
      case undefined: return null;
    }
  });
}
