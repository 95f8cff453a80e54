import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { featuresCommand } from './features-command.ts';

/**
 * `ladder train --input FILE…`: the recorded frames exported first as `ladder features --input FILE…
 * --labels` would (every feature, the default horizons), into a temporary Parquet file the trainer
 * then reads; `cleanup` removes it.
 */
export async function featuresOfCaptures(inputs: readonly string[], quiet: boolean): Promise<{ file: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'ladder-train-'));
  const file = join(dir, 'features.parquet');
  const cleanup = (): Promise<void> => rm(dir, { recursive: true, force: true });
  try {
    await featuresCommand(['--input', ...inputs, '--out', file, '--labels', ...(quiet ? ['--quiet'] : [])], (text) => process.stderr.write(`${text}\n`));
  } catch (error) {
    await cleanup();
    throw error;
  }
  return { file, cleanup };
}
