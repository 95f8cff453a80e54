import type { Logger } from '../application/ports/logger.ts';
import type { ModelInfo } from '../application/ports/signal-model.ts';
import { loadOnnxModel, type OnnxSignalModel } from '../adapters/onnx/onnx-model.ts';
import { describeSelectionError, schemaForNames } from '../domain/features/registry.ts';
import { err, ok, type Result } from '../domain/result.ts';

/**
 * Loads the model in `dir` and checks it as a trading run does, at start-up and at each reload:
 * `loadOnnxModel` (manifest, ONNX file, model contract, runtime), then that the registry computes the
 * manifest's features under the schema id it was trained on. Logs each warning loading gave (a
 * ZipMap read through its tensor twin, say). A refusal is a sentence naming the model and the problem.
 */
export async function openCheckedModel(dir: string, logger: Logger): Promise<Result<OnnxSignalModel, string>> {
  let model: OnnxSignalModel;
  try {
    model = await loadOnnxModel(dir);
  } catch (error) {
    return err((error as Error).message);
  }
  const problem = schemaProblem(model.info);
  if (problem !== null) {
    await model.close();
    return err(problem);
  }
  for (const warning of model.warnings) logger.warn({ model: model.info.id, dir, warning }, 'model loaded with a warning');
  return ok(model);
}

/** The manifest names the features; the registry must compute them at the versions trained on. */
function schemaProblem(info: ModelInfo): string | null {
  const schema = schemaForNames(info.featureNames);
  if (!schema.ok) return `model ${info.id} reads ${describeSelectionError(schema.error)}`;
  if (schema.value.id === info.schemaId) return null;
  return (
    `model ${info.id} was trained on feature schema ${info.schemaId}, but the engine computes ${schema.value.id} for its features ` +
    `(${schema.value.names.map((n, i) => `${n}@${schema.value.versions[i]}`).join(', ')}); retrain it, or regenerate the baseline with "ladder model baseline"`
  );
}
