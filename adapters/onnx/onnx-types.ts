import { DataType } from './onnx-proto.ts';

/** Tensor element types by name, as onnxruntime spells most of them. */
export type ElemType =
  | 'float'
  | 'uint8'
  | 'int8'
  | 'uint16'
  | 'int16'
  | 'int32'
  | 'int64'
  | 'string'
  | 'bool'
  | 'float16'
  | 'double'
  | 'uint32'
  | 'uint64'
  | 'complex64'
  | 'complex128'
  | 'bfloat16';

/** A dimension: a fixed size, a symbolic name ("batch"), or null where the file leaves it unknown. */
export type Dim = number | string | null;

/** The type of a graph value: tensors, and the sequences and maps that `ZipMap` outputs. */
export type ValueType =
  | { readonly kind: 'tensor'; readonly elemType: ElemType; readonly shape: readonly Dim[] | null }
  | { readonly kind: 'sequence'; readonly elem: ValueType }
  | { readonly kind: 'map'; readonly keyType: ElemType; readonly value: ValueType }
  /** A type this reader does not model (optional, sparse, opaque) or an unknown element code. */
  | { readonly kind: 'other' };

export interface ValueSpec {
  readonly name: string;
  readonly type: ValueType;
}

export const tensorValue = (name: string, elemType: ElemType, shape: readonly Dim[]): ValueSpec => ({
  name,
  type: { kind: 'tensor', elemType, shape },
});

export function elemTypeCode(t: ElemType): number {
  switch (t) {
    case 'float': return DataType.FLOAT;
    case 'uint8': return DataType.UINT8;
    case 'int8': return DataType.INT8;
    case 'uint16': return DataType.UINT16;
    case 'int16': return DataType.INT16;
    case 'int32': return DataType.INT32;
    case 'int64': return DataType.INT64;
    case 'string': return DataType.STRING;
    case 'bool': return DataType.BOOL;
    case 'float16': return DataType.FLOAT16;
    case 'double': return DataType.DOUBLE;
    case 'uint32': return DataType.UINT32;
    case 'uint64': return DataType.UINT64;
    case 'complex64': return DataType.COMPLEX64;
    case 'complex128': return DataType.COMPLEX128;
    case 'bfloat16': return DataType.BFLOAT16;
  }
}

const BY_CODE: readonly (ElemType | undefined)[] = [
  undefined, 'float', 'uint8', 'int8', 'uint16', 'int16', 'int32', 'int64', 'string', 'bool',
  'float16', 'double', 'uint32', 'uint64', 'complex64', 'complex128', 'bfloat16',
];

/** The element type of a TensorProto.DataType code; undefined for UNDEFINED and newer 8/4-bit types. */
export const elemTypeOfCode = (code: number): ElemType | undefined => BY_CODE[code];

/** Readable form of a type for error messages: "float[batch,4]", "sequence<map<int64,float>>". */
export function describeType(t: ValueType): string {
  switch (t.kind) {
    case 'tensor': {
      if (t.shape === null) return `${t.elemType}[?]`;
      return `${t.elemType}[${t.shape.map((d) => (d === null ? '?' : String(d))).join(',')}]`;
    }
    case 'sequence': return `sequence<${describeType(t.elem)}>`;
    case 'map': return `map<${t.keyType},${describeType(t.value)}>`;
    case 'other': return 'unsupported type';
  }
}
