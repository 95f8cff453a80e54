import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { baselineManifest } from '../../adapters/onnx/baseline.ts';
import { buildLinearScorer } from '../../adapters/onnx/linear-scorer.ts';
import { formatManifest, type Manifest } from '../../adapters/onnx/manifest.ts';
import { tensorValue } from '../../adapters/onnx/onnx-types.ts';
import { encodeOnnxModel } from '../../adapters/onnx/onnx-writer.ts';
import { createStore } from '../../adapters/postgres/connect.ts';
import { modelCommand } from '../../composition/model-command.ts';
import { schemaForNames } from '../../domain/features/registry.ts';
import { unwrap } from '../../domain/result.ts';
import { eventually } from '../support/builders.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'ladder-reload-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const BASELINE_ID = baselineManifest().id;
const OTHER_FEATURES = ['spread_ticks', 'depth_imbalance_1'];

/**
 * A model of the baseline's features and schema that an exporter such as skl2onnx would give: class
 * probabilities from a softmax, also returned zipped into a sequence of maps, which the manifest
 * names. Loading reads the tensor instead and says so in a warning. Threshold 0: every prediction
 * is a signal, so the first event on this model leaves a stored signal.
 */
function zipMapModel(): { bytes: Uint8Array; manifest: Manifest } {
  const zipMapped = { kind: 'sequence', elem: { kind: 'map', keyType: 'int64', value: { kind: 'tensor', elemType: 'float', shape: null } } } as const;
  const bytes = encodeOnnxModel({
    graphName: 'softmax-zipmap',
    opsets: [{ domain: '', version: 17 }, { domain: 'ai.onnx.ml', version: 1 }],
    inputs: [tensorValue('input', 'float', ['N', 4])],
    outputs: [tensorValue('probabilities', 'float', ['N', 3]), { name: 'output_probability', type: zipMapped }],
    // Down, flat and up logits from depth_imbalance_1 alone.
    initializers: [{ name: 'W', dims: [4, 3], values: [0, 0, 0, -2, 0, 2, 0, 0, 0, 0, 0, 0] }],
    nodes: [
      { opType: 'MatMul', inputs: ['input', 'W'], outputs: ['logits'] },
      { opType: 'Softmax', inputs: ['logits'], outputs: ['probabilities'], attributes: [{ name: 'axis', type: 'int', value: 1 }] },
      {
        opType: 'ZipMap', domain: 'ai.onnx.ml', inputs: ['probabilities'], outputs: ['output_probability'],
        attributes: [{ name: 'classlabels_int64s', type: 'ints', value: [0, 1, 2] }],
      },
    ],
  });
  const manifest: Manifest = {
    ...baselineManifest(),
    id: 'softmax-zipmap-v2',
    output: { kind: 'classProbabilities', tensor: 'output_probability', classes: ['down', 'flat', 'up'] },
    threshold: 0,
    baseline: false,
  };
  return { bytes, manifest };
}

/** A linear model of two features: another feature schema than the baseline's. */
function otherSchemaModel(): { bytes: Uint8Array; manifest: Manifest } {
  const schema = unwrap(schemaForNames(OTHER_FEATURES));
  const bytes = buildLinearScorer({ featureNames: OTHER_FEATURES, weights: [0, 0.5], bias: 0, confidenceScale: 1, modelId: 'other-schema' });
  const manifest: Manifest = { ...baselineManifest(), id: 'other-schema', featureNames: OTHER_FEATURES, featureVersions: schema.versions, schemaId: schema.id, baseline: false };
  return { bytes, manifest };
}

/** Replaces the files of the model directory in place, as an operator would before a reload. */
function replaceModel(dir: string, model: { bytes: Uint8Array; manifest: Manifest | string }): void {
  writeFileSync(join(dir, 'model.onnx'), model.bytes);
  writeFileSync(join(dir, 'manifest.json'), typeof model.manifest === 'string' ? model.manifest : formatManifest(model.manifest));
}

type LogLine = Record<string, unknown> & { msg: string };

describe('app:paper reloading its model on SIGHUP', () => {
  it('refuses models it cannot take while the running one keeps predicting, then swaps in one of the same schema', async () => {
    const modelDir = join(tmp, 'model');
    mkdirSync(modelDir);
    for (const f of ['model.onnx', 'manifest.json']) copyFileSync(join(root, 'models/baseline', f), join(modelDir, f));
    const pidFile = join(tmp, 'paper.pid');
    const dataDir = join(tmp, 'db');
    const proc = spawn(
      process.execPath,
      [join(root, 'bin/ladder.js'), 'paper', '--source', 'synthetic', '--speed', '2', '--duration', '120s', '--model', modelDir,
        '--db', `pglite:${dataDir}`, '--spill', join(tmp, 'spill.jsonl'), '--pid-file', pidFile, '--json'],
      { cwd: root },
    );
    let stdout = '';
    let stderr = '';
    const logs: LogLine[] = [];
    proc.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    proc.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const lines = stderr.split('\n');
      stderr = lines.pop()!;
      for (const line of lines) logs.push(JSON.parse(line) as LogLine);
    });
    const next = zipMapModel();
    const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
    const reloadLines = (): LogLine[] => logs.filter((l) => l.msg === 'model reloaded' || l.msg === 'model reload refused');
    /** Sends SIGHUP through `ladder model reload` and resolves with the log line that answers it. */
    const reload = async (...flags: string[]): Promise<LogLine> => {
      const before = reloadLines().length;
      const out: string[] = [];
      expect(await modelCommand(['reload', ...flags], (text) => out.push(text))).toBe(0);
      expect(out[0]).toMatch(/^sent SIGHUP to process \d+/);
      await eventually(() => reloadLines().length > before, 20_000);
      return reloadLines()[before];
    };

    try {
      // A cold start (tsx, onnxruntime, PGlite and its migrations) takes 3–15 s here, longer on a loaded machine.
      await eventually(() => existsSync(pidFile) && logs.some((l) => l.msg === 'paper run started'), 60_000);
      const pid = readFileSync(pidFile, 'utf8').trim();
      expect(pid).toBe(String(proc.pid));

      // Another feature schema: refused, naming both schemas; the baseline stays.
      const other = otherSchemaModel();
      replaceModel(modelDir, other);
      const refused = await reload('--pid-file', pidFile);
      expect(refused).toMatchObject({ msg: 'model reload refused', model: BASELINE_ID, offered: 'other-schema' });
      expect(refused.reason).toContain(other.manifest.schemaId);
      expect(refused.reason).toContain(baselineManifest().schemaId);
      // Asked again until the answer shows predictions made since the first refusal: the baseline kept predicting.
      let again = refused;
      await eventually(async () => {
        again = await reload('--pid', pid);
        return (again.predictions as number) > (refused.predictions as number);
      }, 20_000, 50);
      expect(again).toMatchObject({ msg: 'model reload refused', model: BASELINE_ID });

      // A file that does not load: refused too, naming it.
      replaceModel(modelDir, { bytes: Uint8Array.of(1, 2, 3), manifest: formatManifest(baselineManifest()) });
      const broken = await reload('--pid', pid);
      expect(broken).toMatchObject({ msg: 'model reload refused', model: BASELINE_ID });
      expect(broken.reason).toContain(join(modelDir, 'model.onnx'));

      // The same schema: taken, its loading warning logged, and in use from the next prediction.
      replaceModel(modelDir, next);
      const taken = await reload('--pid-file', pidFile);
      expect(taken).toMatchObject({ msg: 'model reloaded', from: BASELINE_ID, to: next.manifest.id });
      const warning = logs.find((l) => l.msg === 'model loaded with a warning');
      expect(warning).toMatchObject({ level: 40, model: next.manifest.id });
      expect(warning?.warning).toMatch(/reading the tensor output 'probabilities' instead/);
      await eventually(() => logs.some((l) => l.msg === 'model switched' && l.to === next.manifest.id), 20_000);
      proc.kill('SIGINT');
      // Stopped by Ctrl-C after a clean shutdown.
      expect(await exited).toBe(130);
    } finally {
      proc.kill('SIGKILL');
    }

    const refusals = logs.filter((l) => l.msg === 'model reload refused').length;
    const summary = JSON.parse(stdout) as { runId: string; counters: Record<string, number> };
    expect(summary.counters).toMatchObject({ modelReloads: 1, modelReloadsRefused: refusals });
    expect(existsSync(pidFile)).toBe(false);

    const store = await createStore({ kind: 'pglite', dataDir });
    try {
      // Signals in the order they were made: the baseline's, then only the new model's, at least one.
      const ids = (await store.readSignals(summary.runId)).map((s) => s.signal.modelId);
      const firstNew = ids.indexOf(next.manifest.id);
      expect(firstNew).toBeGreaterThanOrEqual(0);
      expect(new Set(ids.slice(0, firstNew))).toEqual(new Set(firstNew === 0 ? [] : [BASELINE_ID]));
      expect(new Set(ids.slice(firstNew))).toEqual(new Set([next.manifest.id]));
      expect((await store.readRun(summary.runId))?.modelId).toBe(BASELINE_ID);
      // The model taken is registered with the SHA-256 of its file; the refused one is not.
      const record = await store.readModel(next.manifest.id);
      expect(record?.fileSha256).toBe(createHash('sha256').update(next.bytes).digest('hex'));
      expect(await store.readModel('other-schema')).toBeNull();
    } finally {
      await store.close();
    }
  }, 150_000);
});
