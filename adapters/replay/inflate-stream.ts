import type { Readable, Transform } from 'node:stream';
import { errorCode } from './error-code.ts';

/** Decompressed bytes held ahead of the consumer before the file is paused. */
const MAX_AHEAD = 4 * 1024 * 1024;

/** A compressed stream that ends before its end marker: the file was cut short. */
export class TruncatedInput extends Error {}

/**
 * Streams `source` through a decompressor and yields its output. The decompressor is never paused, so
 * all it decoded is delivered before an error; the file is paused instead while more than MAX_AHEAD
 * bytes wait for the consumer or the decompressor asks for a pause. An input that ends early
 * (zlib's `unexpected end of file`) becomes a TruncatedInput after the data decoded up to the cut.
 */
export async function* inflated(source: Readable, inflater: Transform, path: string): AsyncGenerator<Buffer> {
  const queue: Buffer[] = [];
  let ahead = 0;
  let draining = false;
  // Set by the stream callbacks; an object, so that the loop below does not narrow them to their start values.
  const state: { ended: boolean; failure: Error | null } = { ended: false, failure: null };
  let wake: (() => void) | null = null;
  const notify = (): void => {
    const w = wake;
    wake = null;
    w?.();
  };
  const resumeIfRoom = (): void => {
    if (!draining && ahead <= MAX_AHEAD && source.isPaused()) source.resume();
  };
  const fail = (error: Error & { code?: string }): void => {
    state.failure ??= error.code === 'Z_BUF_ERROR' ? new TruncatedInput(error.message) : error;
    state.ended = true;
    notify();
  };
  inflater.on('data', (chunk: Buffer) => {
    queue.push(chunk);
    ahead += chunk.length;
    if (ahead > MAX_AHEAD) source.pause();
    notify();
  });
  inflater.on('end', () => {
    state.ended = true;
    notify();
  });
  inflater.on('error', fail);
  source.on('error', (error: Error) => fail(new Error(`cannot read ${path}: ${errorCode(error)}`)));
  source.on('data', (chunk: Buffer) => {
    if (!inflater.write(chunk)) {
      draining = true;
      source.pause();
    }
  });
  inflater.on('drain', () => {
    draining = false;
    resumeIfRoom();
  });
  source.on('end', () => inflater.end());
  try {
    for (;;) {
      const chunk = queue.shift();
      if (chunk !== undefined) {
        ahead -= chunk.length;
        resumeIfRoom();
        yield chunk;
      } else if (state.ended) {
        if (state.failure !== null) throw state.failure;
        return;
      } else {
        await new Promise<void>((resolve) => (wake = resolve));
      }
    }
  } finally {
    source.destroy();
    inflater.destroy();
  }
}
