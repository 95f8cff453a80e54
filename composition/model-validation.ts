import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MANIFEST_FILE, readManifest, validationProblems } from '../adapters/onnx/manifest.ts';
import { ConfigError } from './config.ts';

export const ALLOW_UNVALIDATED = '--allow-unvalidated';

/**
 * app:live's gate on a model's validation: a model that abstains or whose holdout edge is not positive
 * is refused (unless the caller saw `--allow-unvalidated`). A manifest that cannot be read is left to
 * the loader, which names the problem.
 */
export function refuseUnvalidatedModel(dir: string): void {
  let text: string;
  try {
    text = readFileSync(join(dir, MANIFEST_FILE), 'utf8');
  } catch {
    return;
  }
  const manifest = readManifest(text);
  if (!manifest.ok) return;
  const problems = validationProblems(manifest.value);
  if (problems.length > 0) throw new ConfigError('--model', `${problems.join('; ')}; app:live refuses it without ${ALLOW_UNVALIDATED}`);
}
