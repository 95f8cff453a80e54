import { readFrameLineBatches, readFrameLines, type FrameLine, type ReadFrameOptions } from './frame-reader.ts';

/**
 * The lines of several files read one after the other as one stream, in the order given (a capture
 * split at midnight in two files is read as the one capture it was). Each file is opened only when
 * the one before it has ended, so one file's buffers are held at a time.
 */
export async function* readInputLines(paths: readonly string[], options: ReadFrameOptions = {}): AsyncGenerator<FrameLine> {
  for (const path of paths) yield* readFrameLines(path, options);
}

/** `readInputLines`' lines a read chunk at a time (see `readFrameLineBatches`). */
export async function* readInputBatches(paths: readonly string[], options: ReadFrameOptions = {}): AsyncGenerator<FrameLine[]> {
  for (const path of paths) yield* readFrameLineBatches(path, options);
}
