import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { BASELINE_BIAS, BASELINE_CONFIDENCE_SCALE, BASELINE_WEIGHTS } from '../../adapters/onnx/baseline.ts';
import { linearScore } from '../../adapters/onnx/linear-scorer.ts';
import { formatManifest } from '../../adapters/onnx/manifest.ts';
import { ConfigError } from '../../composition/config.ts';
import { modelCommand } from '../../composition/model-command.ts';
import { createSchema } from '../../domain/features/feature-vector.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const baselineDir = join(root, 'models/baseline');
const shared = join(root, '../shared/models');
const classifierDir = join(shared, 'tract-xgboost-classifier');
const regressorDir = join(shared, 'onnxmltools-xgb-regressor');
const present = existsSync(join(classifierDir, 'model.onnx')) && existsSync(join(regressorDir, 'model.onnx'));
if (!present) console.warn(`skipping the model command tests on shared models: ${shared} is absent (it is not part of the repository)`);

const tmp = mkdtempSync(join(tmpdir(), 'ladder-model-command-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let files = 0;
/** Writes `content` to a fresh file under the temporary directory and returns its path. */
function file(content: string | Uint8Array, name = 'rows.json'): string {
  const path = join(tmp, `${files++}-${name}`);
  writeFileSync(path, content);
  return path;
}
const rowsFile = (rows: unknown): string => file(JSON.stringify(rows));

/** Runs the command in-process; resolves with its exit code and the lines it printed. */
async function model(...args: string[]): Promise<{ code: number; lines: string[] }> {
  const lines: string[] = [];
  const code = await modelCommand(args, (text) => lines.push(...text.split('\n')));
  return { code, lines };
}

/** The ConfigError message of a run expected to be refused. */
async function refusal(...args: string[]): Promise<string> {
  const error: unknown = await model(...args).then(() => undefined, (e: unknown) => e);
  if (!(error instanceof ConfigError)) throw new Error(`expected a ConfigError, got ${String(error)}`);
  return error.message;
}

const json = (lines: string[]): Record<string, unknown>[] => lines.map((l) => JSON.parse(l) as Record<string, unknown>);

describe('ladder model predict', () => {
  it('prints every output and the manifest reading of a DIR, one JSON line per row', async () => {
    const rows = [[1, 0.5, 0, 2], [0, -1, 0, 0], [3, 0.2, 1, -4]];
    const { code, lines } = await model('predict', baselineDir, '--rows', rowsFile(rows));
    expect(code).toBe(0);
    const out = json(lines);
    expect(out).toHaveLength(3);
    out.forEach((line, i) => {
      const twin = linearScore(rows[i], BASELINE_WEIGHTS, BASELINE_BIAS, BASELINE_CONFIDENCE_SCALE);
      expect(Object.keys(line)).toEqual(['score', 'confidence']);
      expect(line.score as number).toBeCloseTo(twin.score, 6);
      expect(line.confidence as number).toBeCloseTo(twin.confidence, 6);
    });
  });

  it('refuses bad rows with exit code 2, naming the row', async () => {
    expect(await refusal('predict', baselineDir, '--rows', rowsFile({ rows: [] }))).toMatch(/must hold a non-empty array of rows$/);
    expect(await refusal('predict', baselineDir, '--rows', rowsFile([[1, 2, 3, 4], 5]))).toMatch(/: row 1 must be an array of numbers$/);
    expect(await refusal('predict', baselineDir, '--rows', rowsFile([[1, 2, 3, 4], [1, '2', 3, 4]])))
      .toMatch(/: row 1, column 1 must be a finite number, got "2"$/);
    const wide = rowsFile([[1, 2, 3, 4], [1, 2, 3, 4], [1, 2, 3, 4, 5]]);
    expect(await refusal('predict', baselineDir, '--rows', wide)).toBe(`--rows: ${wide}: row 2 has 5 values, but the model's input takes 4`);
    expect(await refusal('predict', baselineDir, '--rows', join(tmp, 'absent.json'))).toBe(`--rows: file not found: ${join(tmp, 'absent.json')}`);
    expect(await refusal('predict', baselineDir, '--rows', file('[[1, 2'))).toMatch(/is not valid JSON/);
    expect(await refusal('predict', baselineDir)).toMatch(/^--rows: required/);
  });

  it('refuses a file that is not an ONNX model, naming it', async () => {
    const rows = rowsFile([[1, 2, 3, 4]]);
    const jsonModel = file('{"model": "not really"}', 'model.onnx');
    expect(await refusal('predict', jsonModel, '--rows', rows)).toMatch(new RegExp(`^model predict: ${jsonModel}: not an ONNX model \\(protobuf decoding failed: `));
    const noise = file(Uint8Array.from({ length: 512 }, (_, i) => (i * 97 + 13) % 251), 'noise.onnx');
    expect(await refusal('predict', noise, '--rows', rows)).toMatch(new RegExp(`^model predict: ${noise}: (not an ONNX model|the ONNX model has no graph)`));
    expect(await refusal('predict', join(tmp, 'none.onnx'), '--rows', rows)).toBe(`model predict: not found: ${join(tmp, 'none.onnx')}`);
  });

  it('exits with code 2 and the reason on standard error when run as a command', { timeout: 60_000 }, async () => {
    const bad = rowsFile([[1, 2, 3, 4], [1, 2]]);
    const result = await promisify(execFile)(process.execPath, [join(root, 'bin/ladder.js'), 'model', 'predict', baselineDir, '--rows', bad], { cwd: root })
      .then(() => ({ code: 0, stderr: '' }), (e: { code: number; stderr: string }) => e);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(`ladder: --rows: ${bad}: row 1 has 2 values, but the model's input takes 4\n`);
  });
});

describe('ladder model inspect', () => {
  it('prints the interface, the manifest and that it passes the loading checks', async () => {
    const { code, lines } = await model('inspect', baselineDir, '--verbose');
    expect(code).toBe(0);
    expect(lines[0]).toBe('verdict   pass: app:paper can load and trade this model');
    expect(lines).toEqual(expect.arrayContaining([
      'opsets    ai.onnx 17',
      'inputs',
      '  features    float[batch,4]',
      'outputs',
      '  score       float[batch,1]',
      '  confidence  float[batch,1]',
      'loading checks  pass (feature registry, schema id, model contract, runtime)',
    ]));
    const manifest = readFileSync(join(baselineDir, 'manifest.json'), 'utf8').trimEnd();
    expect(lines.join('\n')).toContain(manifest);
    const short = await model('inspect', baselineDir);
    expect(short.lines[0]).toBe(lines[0]);
    expect(short.lines.join('\n')).not.toContain(manifest);
  });

  it('refuses a path that does not exist', async () => {
    expect(await refusal('inspect', join(tmp, 'nowhere'))).toBe(`model inspect: not found: ${join(tmp, 'nowhere')}`);
  });
});

describe.skipIf(!present)('ladder model on the shared third-party models', () => {
  const expected = present
    ? JSON.parse(readFileSync(join(classifierDir, 'expected.json'), 'utf8')) as { input: number[][]; probabilities: number[][] }
    : { input: [], probabilities: [] };

  /** The classifier in a DIR beside a manifest with its own f0..f12 names, which the registry lacks. */
  function classifierWithManifest(): string {
    const dir = join(tmp, `classifier-${files++}`);
    mkdirSync(dir);
    copyFileSync(join(classifierDir, 'model.onnx'), join(dir, 'model.onnx'));
    const featureNames = Array.from({ length: 13 }, (_, i) => `f${i}`);
    writeFileSync(join(dir, 'manifest.json'), formatManifest({
      id: 'tract', description: 'third-party classifier', featureNames, schemaId: createSchema(featureNames).id, horizonMs: 1000,
      output: { kind: 'classProbabilities', tensor: 'probabilities', classes: ['down', 'flat', 'up'] }, scoreMeaning: 'P(up) - P(down)', threshold: 0.5,
    }));
    return dir;
  }

  it('reproduces the classifier probabilities of expected.json from the bare ONNX file', async () => {
    const { code, lines } = await model('predict', join(classifierDir, 'model.onnx'), '--rows', rowsFile(expected.input));
    expect(code).toBe(0);
    const [line] = json(lines);
    expect(Object.keys(line)).toEqual(['label', 'probabilities']);
    expect(line.label).toBe(0);
    (line.probabilities as number[]).forEach((p, j) => expect(Math.abs(p - expected.probabilities[0][j])).toBeLessThanOrEqual(1e-5));
  });

  it('runs the regressor: one number a row under its output name, variable', async () => {
    const { code, lines } = await model('predict', regressorDir, '--rows', rowsFile([[0, 0, 0, 0], [5.1, 3.5, 1.4, 0.2], [6.7, 3, 5.2, 2.3]]));
    expect(code).toBe(0);
    const out = json(lines);
    expect(out).toHaveLength(3);
    for (const line of out) {
      expect(Object.keys(line)).toEqual(['variable']);
      expect(typeof line.variable).toBe('number');
    }
  });

  it('reads score and confidence through a manifest whose names the registry lacks', async () => {
    const { lines } = await model('predict', classifierWithManifest(), '--rows', rowsFile(expected.input));
    const [line] = json(lines);
    const [down, , up] = expected.probabilities[0];
    expect(Math.abs((line.score as number) - (up - down))).toBeLessThanOrEqual(1e-5);
    expect(Math.abs((line.confidence as number) - Math.max(...expected.probabilities[0]))).toBeLessThanOrEqual(1e-5);
  });

  it('inspects such a DIR, failing the loading checks on the unknown name with exit code 1', async () => {
    const { code, lines } = await model('inspect', classifierWithManifest());
    expect(code).toBe(1);
    expect(lines[0]).toMatch(/^verdict {3}FAIL: .*featureNames\[0\] 'f0' is not a feature of the registry/);
    expect(lines).toContain('operators TreeEnsembleClassifier');
    expect(lines).toContain('  probabilities  float[?,3]');
    expect(lines.at(-1)).toMatch(/^loading checks {2}FAIL: .*manifest\.json: featureNames\[0\] 'f0' is not a feature of the registry/);
  });

  it('inspects a bare ONNX file without a manifest section', async () => {
    const { code, lines } = await model('inspect', join(regressorDir, 'model.onnx'));
    expect(code).toBe(0);
    expect(lines).toContain('  X         float[?,4]');
    expect(lines).toContain('  variable  float[?,1]');
    expect(lines.some((l) => l.startsWith('manifest'))).toBe(false);
  });
});
