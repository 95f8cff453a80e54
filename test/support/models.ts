import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

/**
 * A copy of the default model (models/synthetic-gbdt) in a temporary directory, its manifest's
 * threshold set to `threshold`: the default model's confidence stays under its own (0.536) for the
 * first minutes of a synthetic market, and a short run that must trade needs a lower one.
 */
export function defaultModelAt(threshold: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'ladder-model-'));
  copyFileSync(join(root, 'models/synthetic-gbdt/model.onnx'), join(dir, 'model.onnx'));
  const manifest = JSON.parse(readFileSync(join(root, 'models/synthetic-gbdt/manifest.json'), 'utf8')) as Record<string, unknown>;
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ ...manifest, id: `${String(manifest.id)}-at-${threshold}`, threshold }));
  return dir;
}
