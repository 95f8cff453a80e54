import { createRequire } from 'node:module';
import type { Tensor } from 'onnxruntime-node';
import { SESSION_OPTIONS } from './raw-model.ts';

/**
 * The slice of onnxruntime-node's native session that runs a model synchronously. The package's
 * `InferenceSession.run` calls exactly this `run`, but from a `setImmediate`, so each prediction costs
 * a turn of the event loop and two promises; in a backtest that is one turn a book event. Called
 * directly, the same native code computes the same outputs from the same inputs (the golden run
 * checks it), with neither.
 */
export interface NativeSession {
  /** Output name → the output's data (and type and dims); `fetches`: the outputs wanted, each null. */
  run(feeds: Record<string, Tensor>, fetches: Record<string, null>, options: Record<string, never>): Record<string, { readonly data: unknown }>;
  dispose(): void;
}

interface NativeBinding {
  readonly binding: { readonly InferenceSession: new () => NativeSession & { loadModel(buffer: ArrayBufferLike, offset: number, length: number, options: object): void } };
  initOrt(): void;
}

/**
 * A native session of `bytes` under the options every session here has, or null when this version
 * of onnxruntime-node lays its binding out otherwise (the caller then runs through the public API).
 */
export function openNativeSession(bytes: Uint8Array): NativeSession | null {
  let native: NativeBinding;
  try {
    native = createRequire(import.meta.url)('onnxruntime-node/dist/binding.js') as NativeBinding;
  } catch {
    return null;
  }
  if (typeof native.initOrt !== 'function' || typeof native.binding?.InferenceSession !== 'function') return null;
  native.initOrt();
  const session = new native.binding.InferenceSession();
  session.loadModel(bytes.buffer, bytes.byteOffset, bytes.byteLength, { ...SESSION_OPTIONS, executionProviders: [] });
  return session;
}
