import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { writeBaselineModel } from '../adapters/onnx/baseline.ts';
import { describeManifestError, formatManifest, MANIFEST_FILE, MODEL_FILE, readManifest, type Manifest } from '../adapters/onnx/manifest.ts';
import { checkModelContract } from '../adapters/onnx/model-contract.ts';
import { describeModelLoadProblem } from '../adapters/onnx/model-load-problem.ts';
import { describeInspectError, inspectOnnx, type OnnxInspection } from '../adapters/onnx/onnx-inspect.ts';
import { openOnnxModel } from '../adapters/onnx/onnx-model.ts';
import { describeType } from '../adapters/onnx/onnx-types.ts';
import { describeReadoutError, readPrediction, type Readout } from '../adapters/onnx/output-readout.ts';
import { describeRawRunProblem, openRawModel } from '../adapters/onnx/raw-model.ts';
import { PID_SETTINGS, signalProcess, targetPid } from './process-signal.ts';
import { flag, optionTable, readSettings, setting, text } from './settings.ts';
import { ConfigError, BASELINE_MODEL_DIR } from './config.ts';
import { parseCommandLine } from './args.ts';

/**
 * `ladder model`'s flags, declared once; each belongs to one subcommand, and the help (below) is
 * written by subcommand, so it describes them there rather than in a table of its own.
 */
const MODEL_SETTINGS = {
  out: setting(text(), { arg: 'DIR', help: 'baseline: the directory to write' }),
  rows: setting(text(), { arg: 'F', help: 'predict: a JSON array of rows' }),
  ...PID_SETTINGS,
  verbose: flag('inspect: the manifest in full'),
  help: flag('this text', 'h'),
};

const HELP = `ladder model baseline|inspect|predict|reload

  baseline [--out DIR]              write the hand-set baseline linear model (default ${BASELINE_MODEL_DIR})
  inspect DIR|FILE.onnx [--verbose] print the verdict first (would app:paper load and trade it?), then the
                                    model's inputs, outputs, opsets, producer and operators; for a DIR,
                                    whether it passes the checks a trading run makes (feature registry,
                                    schema, model contract), exit 1 if not; --verbose adds the manifest
  predict DIR|FILE.onnx --rows F    run the model on F, a JSON array of rows, each an array of numbers in
                                    input (manifest) order; prints one JSON line per row with every tensor
                                    output by name (a number when it holds one value a row, else an array),
                                    and for a DIR with a manifest also "score" and "confidence" as the
                                    manifest reads them (these take the key if an output has the same name)
  reload --pid PID|--pid-file FILE  send SIGHUP to a running "ladder paper" (its id, or the file it writes
                                    with --pid-file): it reloads its --model DIR from disk and swaps the
                                    model in if it passes the start-up checks and reads the running feature
                                    schema; its log says "model reloaded" or "model reload refused" and why.
                                    Give the id of the process running the paper command (the one its
                                    --pid-file holds), not that of a launcher such as npm, which SIGHUP
                                    would end. Not on Windows, which has no SIGHUP: restart the run there

A DIR holds model.onnx and, optionally for inspect and predict, manifest.json. A bare ONNX file needs no
manifest: predict then gives its raw tensor outputs. Outputs that are not tensors (ZipMap) are skipped.`;

/** `ladder model baseline|inspect|predict|reload`; writes its report through `out`, one call a line. */
export async function modelCommand(args: string[], out: (text: string) => void): Promise<number> {
  const { values: parsed, positionals } = parseCommandLine('model', { args, options: optionTable(MODEL_SETTINGS), allowPositionals: true });
  const [sub, target, ...extra] = positionals;
  if (parsed.help === true || sub === undefined) {
    out(HELP);
    return sub === undefined && parsed.help !== true ? 2 : 0;
  }
  const values = readSettings(MODEL_SETTINGS, parsed);
  if (extra.length > 0) throw new ConfigError('model', `unexpected argument "${extra[0]}"`);
  switch (sub) {
    case 'baseline': {
      if (target !== undefined) throw new ConfigError('model baseline', `unexpected argument "${target}"; use --out DIR`);
      const dir = values.out ?? BASELINE_MODEL_DIR;
      await writeBaselineModel(dir);
      out(`wrote ${dir}/model.onnx and ${dir}/manifest.json`);
      return 0;
    }
    case 'inspect':
      return inspectWithVerdict(modelPaths('inspect', target), values.verbose, out);
    case 'predict': {
      if (values.rows === undefined) throw new ConfigError('--rows', 'required: a JSON file holding an array of rows');
      return predictCommand(modelPaths('predict', target), values.rows, readRows(values.rows), out);
    }
    case 'reload': {
      if (target !== undefined) throw new ConfigError('model reload', `unexpected argument "${target}"; use --pid PID or --pid-file FILE`);
      const pid = targetPid('model reload', values.pid, values['pid-file']);
      signalProcess('model reload', pid, 'SIGHUP', 'Windows has no SIGHUP; restart the paper run with the new model');
      out(`sent SIGHUP to process ${pid}: it reloads its model; its log says "model reloaded" or "model reload refused"`);
      return 0;
    }
    default:
      throw new ConfigError('model', `unknown subcommand "${sub}"; use baseline, inspect, predict or reload`);
  }
}


interface ModelPaths {
  readonly dir: string | null;
  readonly model: string;
  /** The manifest beside the model in a DIR, when there is one. */
  readonly manifest: string | null;
}

function modelPaths(sub: string, target: string | undefined): ModelPaths {
  if (target === undefined) throw new ConfigError(`model ${sub}`, 'required: a model directory or an .onnx file');
  if (!existsSync(target)) throw new ConfigError(`model ${sub}`, `not found: ${target}`);
  if (!statSync(target).isDirectory()) return { dir: null, model: target, manifest: null };
  const manifest = join(target, MANIFEST_FILE);
  return { dir: target, model: join(target, MODEL_FILE), manifest: existsSync(manifest) ? manifest : null };
}

function readManifestFile(file: string): Manifest {
  const m = readManifest(readFileSync(file, 'utf8'));
  if (!m.ok) throw new ConfigError('model', `${file}: ${describeManifestError(m.error)}`);
  return m.value;
}

/**
 * `ladder model inspect`: the verdict first (whether app:paper would load and trade the model), then the
 * ONNX interface; the manifest in full only with --verbose.
 */
async function inspectWithVerdict(paths: ModelPaths, verbose: boolean, out: (text: string) => void): Promise<number> {
  const lines: string[] = [];
  const code = await inspectCommand(paths, (text) => lines.push(text));
  const checks = lines.find((l) => l.startsWith('loading checks') || l.startsWith('manifest  none') || / INVALID: /.test(l));
  const verdict = paths.dir === null
    ? 'bare ONNX file: its interface below; a model directory with manifest.json is what app:paper trades'
    : code === 0 && checks?.startsWith('loading checks  pass') === true ? 'pass: app:paper can load and trade this model'
      : `FAIL: ${checks?.replace(/^loading checks {2}(FAIL: )?/, '') ?? 'see below'}`;
  out(`verdict   ${verdict}`);
  const manifestAt = lines.findIndex((l) => l.startsWith('manifest  '));
  for (const [i, line] of lines.entries()) {
    // The formatted manifest follows its "manifest" line, up to the checks.
    const inManifest = manifestAt >= 0 && i === manifestAt + 1 && !line.startsWith('loading checks');
    if (inManifest && !verbose) out('          (the manifest in full with --verbose)');
    else out(line);
  }
  return code;
}

async function inspectCommand(paths: ModelPaths, out: (text: string) => void): Promise<number> {
  if (!existsSync(paths.model)) throw new ConfigError('model inspect', `${paths.model} is missing`);
  const inspection = inspectOnnx(readFileSync(paths.model));
  if (!inspection.ok) throw new ConfigError('model inspect', `${paths.model}: ${describeInspectError(inspection.error)}`);
  out(describeInspection(paths.model, inspection.value));
  if (paths.dir === null) return 0;
  if (paths.manifest === null) {
    out(`manifest  none (${join(paths.dir, MANIFEST_FILE)} is absent): the model can be run by hand, not traded`);
    return 0;
  }
  const manifest = readManifest(readFileSync(paths.manifest, 'utf8'));
  if (!manifest.ok) {
    out(`manifest  ${paths.manifest}: INVALID: ${describeManifestError(manifest.error)}`);
    return 1;
  }
  out(`manifest  ${paths.manifest}${manifest.value.synthetic === true ? ' (trained on the synthetic market)' : ''}`);
  out(formatManifest(manifest.value).trimEnd());
  const loaded = await openOnnxModel(paths.dir);
  if (!loaded.ok) {
    out(`loading checks  FAIL: ${describeModelLoadProblem(loaded.error)}`);
    return 1;
  }
  await loaded.value.close();
  out('loading checks  pass (feature registry, schema id, model contract, runtime)');
  for (const w of loaded.value.warnings) out(`warning  ${w}`);
  return 0;
}

function describeInspection(file: string, m: OnnxInspection): string {
  const opset = (domain: string): string => (domain === '' ? 'ai.onnx' : domain);
  const width = Math.max(...[...m.inputs, ...m.outputs].map((v) => v.name.length));
  const lines = [
    `model     ${file}`,
    `producer  ${m.producerName === '' ? '(none)' : m.producerName} ${m.producerVersion}`.trimEnd(),
    `ir        ${m.irVersion}`,
    `graph     ${m.graphName}`,
    `opsets    ${m.opsets.map((o) => `${opset(o.domain)} ${o.version}`).join(', ')}`,
    `operators ${m.opTypes.join(', ')}`,
    'inputs',
    ...m.inputs.map((v) => `  ${v.name.padEnd(width)}  ${describeType(v.type)}`),
    'outputs',
    ...m.outputs.map((v) => `  ${v.name.padEnd(width)}  ${describeType(v.type)}${v.type.kind === 'tensor' ? '' : '  (not a tensor: predict skips it)'}`),
  ];
  const keys = Math.max(0, ...[...m.metadata.keys()].map((k) => k.length));
  if (m.metadata.size > 0) lines.push('metadata', ...[...m.metadata].map(([k, v]) => `  ${k.padEnd(keys)}  ${v}`));
  return lines.join('\n');
}

/** Rows from a JSON file: an array of arrays of finite numbers; an error names the row (and column). */
export function readRows(file: string): number[][] {
  if (!existsSync(file)) throw new ConfigError('--rows', `file not found: ${file}`);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new ConfigError('--rows', `${file} is not valid JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (!Array.isArray(json) || json.length === 0) throw new ConfigError('--rows', `${file} must hold a non-empty array of rows`);
  json.forEach((row: unknown, i) => {
    if (!Array.isArray(row)) throw new ConfigError('--rows', `${file}: row ${i} must be an array of numbers`);
    const column = row.findIndex((x: unknown) => typeof x !== 'number' || !Number.isFinite(x));
    if (column >= 0) throw new ConfigError('--rows', `${file}: row ${i}, column ${column} must be a finite number, got ${JSON.stringify(row[column])}`);
  });
  return json as number[][];
}

async function predictCommand(paths: ModelPaths, rowsFile: string, rows: number[][], out: (text: string) => void): Promise<number> {
  const manifest = paths.manifest === null ? null : readManifestFile(paths.manifest);
  const raw = await openRawModel(paths.model);
  if (!raw.ok) throw new ConfigError('model predict', describeModelLoadProblem(raw.error));
  try {
    let readout: Readout | null = null;
    if (manifest !== null) {
      const contract = checkModelContract(raw.value.inspection, manifest, paths.model);
      if (!contract.ok) throw new ConfigError('model predict', describeModelLoadProblem(contract.error));
      readout = contract.value.readout;
      for (const w of contract.value.warnings) console.warn(`ladder: warning: ${w}`);
    }
    for (const s of raw.value.skipped) console.warn(`ladder: skipping output '${s.name}' (${s.type}): not a tensor`);
    const outputs = await raw.value.run(rows);
    if (!outputs.ok) {
      if (outputs.error.kind === 'RowWidth') throw new ConfigError('--rows', `${rowsFile}: ${describeRawRunProblem(outputs.error)}`);
      throw new ConfigError('model predict', `${paths.model}: ${describeRawRunProblem(outputs.error)}`);
    }
    for (let i = 0; i < rows.length; i++) {
      const line: Record<string, number | readonly number[] | string | null> = {};
      for (const [name, values] of outputs.value) line[name] = values[i].length === 1 ? values[i][0] : values[i];
      if (readout !== null) {
        const p = readPrediction(readout, (name) => outputs.value.get(name)![i]);
        if (p.ok) Object.assign(line, { score: p.value.score, confidence: p.value.confidence });
        else Object.assign(line, { score: null, confidence: null, error: describeReadoutError(p.error) });
      }
      out(JSON.stringify(line));
    }
    return 0;
  } finally {
    await raw.value.close();
  }
}
