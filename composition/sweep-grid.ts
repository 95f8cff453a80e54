import { readFileSync } from 'node:fs';
import { ConfigError } from './config.ts';

/**
 * A sweep's grid: backtest flags (without `--`), each with the values to try. The jobs are every
 * input × every combination of values, e.g. `{"policy": ["smart", "baseline"], "order-size":
 * ["0.002", "0.004"]}` over two inputs is 2 × 4 = 8 jobs.
 */
export type Grid = ReadonlyArray<readonly [flag: string, values: readonly string[]]>;

/** What a job backtests: a recording (a path every worker can read), a JetStream stream, or a synthetic seed. */
export type JobInput =
  | { readonly kind: 'file'; readonly path: string }
  | { readonly kind: 'nats'; readonly source: string }
  | { readonly kind: 'synthetic'; readonly seed: number; readonly duration: string };

/** One job of a sweep, as published to the work queue and stored with its result. */
export interface SweepJob {
  readonly sweep: string;
  /** `j0001`, `j0002`…: unique within the sweep, in publishing order. */
  readonly id: string;
  readonly input: JobInput;
  /** Backtest flag → value, in the grid's order. */
  readonly params: Readonly<Record<string, string>>;
}

/** The backtest flags a grid may vary: those that change what a run does, not where it writes. */
export const GRID_FLAGS: readonly string[] = [
  'policy', 'capital', 'max-position', 'order-size', 'taker-fee-ppm', 'maker-fee-ppm', 'feed-latency-ms', 'order-latency-ms', 'model', 'depth',
];

/** Reads and checks a grid file; a mistake names the file and the key. */
export function readGrid(path: string): Grid {
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ConfigError('--grid', `cannot read ${path} as JSON: ${(error as Error).message}`);
  }
  return parseGrid(doc, path);
}

export function parseGrid(doc: unknown, path: string): Grid {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new ConfigError('--grid', `${path} must hold an object of flag → [values]`);
  const entries = Object.entries(doc as Record<string, unknown>);
  if (entries.length === 0) throw new ConfigError('--grid', `${path} names no flag to vary`);
  return entries.map(([flag, values]) => {
    if (!GRID_FLAGS.includes(flag)) throw new ConfigError('--grid', `${path}: "${flag}" is not a flag a sweep can vary (${GRID_FLAGS.join(', ')})`);
    if (!Array.isArray(values) || values.length === 0) throw new ConfigError('--grid', `${path}: "${flag}" must be a non-empty array of values`);
    const texts = values.map((v: unknown, i) => {
      if (typeof v !== 'string' && typeof v !== 'number') throw new ConfigError('--grid', `${path}: ${flag}[${i}] = ${JSON.stringify(v)} is not a string or a number`);
      return String(v);
    });
    if (new Set(texts).size !== texts.length) throw new ConfigError('--grid', `${path}: "${flag}" lists a value twice`);
    return [flag, texts] as const;
  });
}

/** Every combination of the grid's values, the first flag varying slowest. */
export function parameterSets(grid: Grid): Record<string, string>[] {
  let sets: Record<string, string>[] = [{}];
  for (const [flag, values] of grid) sets = sets.flatMap((set) => values.map((v) => ({ ...set, [flag]: v })));
  return sets;
}

/** The jobs of a sweep: each input × each parameter set, inputs varying slowest. */
export function expandJobs(sweep: string, inputs: readonly JobInput[], grid: Grid): SweepJob[] {
  const sets = parameterSets(grid);
  const jobs: SweepJob[] = [];
  for (const input of inputs) for (const params of sets) jobs.push({ sweep, id: `j${String(jobs.length + 1).padStart(4, '0')}`, input, params });
  return jobs;
}

/** The `ladder backtest` flags of a job (without where it writes). */
export function backtestArgs(job: SweepJob): string[] {
  const input = job.input;
  const source =
    input.kind === 'file' ? ['--input', input.path] : input.kind === 'nats' ? ['--source', input.source] : ['--source', 'synthetic', '--seed', String(input.seed), '--duration', input.duration];
  return [...source, ...Object.entries(job.params).flatMap(([flag, value]) => [`--${flag}`, value])];
}

/** Reads a job as published; null when the message is not one (counted and dropped by the worker). */
export function parseJob(text: string): SweepJob | null {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return null;
  }
  const j = doc as Partial<SweepJob>;
  if (typeof j.sweep !== 'string' || typeof j.id !== 'string' || typeof j.params !== 'object' || j.params === null || typeof j.input !== 'object' || j.input === null) return null;
  const input = j.input as Partial<{ kind: string; path: unknown; source: unknown; seed: unknown; duration: unknown }>;
  const ok =
    (input.kind === 'file' && typeof input.path === 'string') ||
    (input.kind === 'nats' && typeof input.source === 'string') ||
    (input.kind === 'synthetic' && typeof input.seed === 'number' && typeof input.duration === 'string');
  if (!ok || !Object.values(j.params).every((v) => typeof v === 'string')) return null;
  return j as SweepJob;
}

/** A short label of a job's input, for tables. */
export function describeInput(input: JobInput): string {
  switch (input.kind) {
    case 'file':
      return input.path.slice(input.path.lastIndexOf('/') + 1);
    case 'nats':
      return input.source;
    case 'synthetic':
      return `synthetic seed ${input.seed}, ${input.duration}`;
  }
}
