import protobuf from 'protobufjs';

/**
 * The subset of onnx.proto (github.com/onnx/onnx, onnx/onnx.proto, proto2 syntax) this project writes
 * and reads, declared by reflection with the real field numbers so that files written here load in
 * onnxruntime and files exported by other tools decode here. Field names are the camelCase of the
 * proto's snake_case names. Fields left out (sparse tensors, training info, functions, ...) are skipped
 * by the decoder as unknown fields, which protobuf allows.
 *
 * As in onnx.proto, only the TensorProto data arrays are declared packed; `dims`, `ints` and `floats`
 * are proto2 repeated scalars, written unpacked (decoders accept both encodings either way).
 */
const ONNX_SCHEMA = {
  nested: {
    onnx: {
      nested: {
        ModelProto: {
          fields: {
            irVersion: { type: 'int64', id: 1 },
            opsetImport: { rule: 'repeated', type: 'OperatorSetIdProto', id: 8 },
            producerName: { type: 'string', id: 2 },
            producerVersion: { type: 'string', id: 3 },
            domain: { type: 'string', id: 4 },
            modelVersion: { type: 'int64', id: 5 },
            docString: { type: 'string', id: 6 },
            graph: { type: 'GraphProto', id: 7 },
            metadataProps: { rule: 'repeated', type: 'StringStringEntryProto', id: 14 },
          },
        },
        OperatorSetIdProto: {
          fields: {
            domain: { type: 'string', id: 1 },
            version: { type: 'int64', id: 2 },
          },
        },
        StringStringEntryProto: {
          fields: {
            key: { type: 'string', id: 1 },
            value: { type: 'string', id: 2 },
          },
        },
        GraphProto: {
          fields: {
            node: { rule: 'repeated', type: 'NodeProto', id: 1 },
            name: { type: 'string', id: 2 },
            initializer: { rule: 'repeated', type: 'TensorProto', id: 5 },
            docString: { type: 'string', id: 10 },
            input: { rule: 'repeated', type: 'ValueInfoProto', id: 11 },
            output: { rule: 'repeated', type: 'ValueInfoProto', id: 12 },
            valueInfo: { rule: 'repeated', type: 'ValueInfoProto', id: 13 },
          },
        },
        NodeProto: {
          fields: {
            input: { rule: 'repeated', type: 'string', id: 1 },
            output: { rule: 'repeated', type: 'string', id: 2 },
            name: { type: 'string', id: 3 },
            opType: { type: 'string', id: 4 },
            attribute: { rule: 'repeated', type: 'AttributeProto', id: 5 },
            docString: { type: 'string', id: 6 },
            domain: { type: 'string', id: 7 },
          },
        },
        AttributeProto: {
          fields: {
            name: { type: 'string', id: 1 },
            f: { type: 'float', id: 2 },
            i: { type: 'int64', id: 3 },
            s: { type: 'bytes', id: 4 },
            t: { type: 'TensorProto', id: 5 },
            floats: { rule: 'repeated', type: 'float', id: 7 },
            ints: { rule: 'repeated', type: 'int64', id: 8 },
            strings: { rule: 'repeated', type: 'bytes', id: 9 },
            type: { type: 'int32', id: 20 },
          },
        },
        TensorProto: {
          fields: {
            dims: { rule: 'repeated', type: 'int64', id: 1 },
            dataType: { type: 'int32', id: 2 },
            floatData: { rule: 'repeated', type: 'float', id: 4, options: { packed: true } },
            int32Data: { rule: 'repeated', type: 'int32', id: 5, options: { packed: true } },
            stringData: { rule: 'repeated', type: 'bytes', id: 6 },
            int64Data: { rule: 'repeated', type: 'int64', id: 7, options: { packed: true } },
            name: { type: 'string', id: 8 },
            rawData: { type: 'bytes', id: 9 },
            doubleData: { rule: 'repeated', type: 'double', id: 10, options: { packed: true } },
            docString: { type: 'string', id: 12 },
          },
        },
        ValueInfoProto: {
          fields: {
            name: { type: 'string', id: 1 },
            type: { type: 'TypeProto', id: 2 },
            docString: { type: 'string', id: 3 },
          },
        },
        TypeProto: {
          oneofs: { value: { oneof: ['tensorType', 'sequenceType', 'mapType'] } },
          fields: {
            tensorType: { type: 'Tensor', id: 1 },
            sequenceType: { type: 'Sequence', id: 4 },
            mapType: { type: 'Map', id: 5 },
          },
          nested: {
            Tensor: {
              fields: {
                elemType: { type: 'int32', id: 1 },
                shape: { type: 'TensorShapeProto', id: 2 },
              },
            },
            Sequence: { fields: { elemType: { type: 'TypeProto', id: 1 } } },
            Map: {
              fields: {
                keyType: { type: 'int32', id: 1 },
                valueType: { type: 'TypeProto', id: 2 },
              },
            },
          },
        },
        TensorShapeProto: {
          fields: { dim: { rule: 'repeated', type: 'Dimension', id: 1 } },
          nested: {
            Dimension: {
              oneofs: { value: { oneof: ['dimValue', 'dimParam'] } },
              fields: {
                dimValue: { type: 'int64', id: 1 },
                dimParam: { type: 'string', id: 2 },
              },
            },
          },
        },
      },
    },
  },
};

const root = protobuf.Root.fromJSON(ONNX_SCHEMA);

/** The reflected `onnx.ModelProto` type: `encode(...).finish()` writes, `decode(bytes)` reads. */
export const ModelProtoType: protobuf.Type = root.lookupType('onnx.ModelProto');

/** TensorProto.DataType codes (onnx.proto). */
export const DataType = {
  UNDEFINED: 0,
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  UINT16: 4,
  INT16: 5,
  INT32: 6,
  INT64: 7,
  STRING: 8,
  BOOL: 9,
  FLOAT16: 10,
  DOUBLE: 11,
  UINT32: 12,
  UINT64: 13,
  COMPLEX64: 14,
  COMPLEX128: 15,
  BFLOAT16: 16,
} as const;

/** AttributeProto.AttributeType codes (onnx.proto); the writer uses the scalar and list kinds. */
export const AttributeType = {
  FLOAT: 1,
  INT: 2,
  STRING: 3,
  TENSOR: 4,
  FLOATS: 6,
  INTS: 7,
  STRINGS: 8,
} as const;

/**
 * int64 fields decode as `Long` objects when the `long` package is installed (it is, through
 * protobufjs) and as numbers otherwise; encoding accepts plain numbers.
 */
export interface LongLike {
  toNumber(): number;
}
export type Int64 = number | LongLike;

export const int64ToNumber = (v: Int64 | null | undefined): number =>
  v === null || v === undefined ? 0 : typeof v === 'number' ? v : v.toNumber();

// Shapes of decoded messages. protobufjs leaves absent strings as '', absent messages as null and
// absent repeated fields as empty arrays, so everything below is present on a decoded message.

export interface DecodedModel {
  readonly irVersion: Int64;
  readonly opsetImport: readonly DecodedOpset[];
  readonly producerName: string;
  readonly producerVersion: string;
  readonly domain: string;
  readonly modelVersion: Int64;
  readonly docString: string;
  readonly graph: DecodedGraph | null;
  readonly metadataProps: readonly { readonly key: string; readonly value: string }[];
}

export interface DecodedOpset {
  readonly domain: string;
  readonly version: Int64;
}

export interface DecodedGraph {
  readonly node: readonly DecodedNode[];
  readonly name: string;
  readonly initializer: readonly { readonly name: string }[];
  readonly input: readonly DecodedValueInfo[];
  readonly output: readonly DecodedValueInfo[];
}

export interface DecodedNode {
  readonly input: readonly string[];
  readonly output: readonly string[];
  readonly name: string;
  readonly opType: string;
  readonly domain: string;
}

export interface DecodedValueInfo {
  readonly name: string;
  readonly type: DecodedType | null;
}

export interface DecodedType {
  readonly tensorType?: { readonly elemType: number; readonly shape: DecodedShape | null } | null;
  readonly sequenceType?: { readonly elemType: DecodedType | null } | null;
  readonly mapType?: { readonly keyType: number; readonly valueType: DecodedType | null } | null;
}

export interface DecodedShape {
  readonly dim: readonly DecodedDimension[];
}

/** `value` is protobufjs's virtual oneof property: the name of the member present, if any. */
export interface DecodedDimension {
  readonly dimValue: Int64;
  readonly dimParam: string;
  readonly value?: 'dimValue' | 'dimParam';
}
