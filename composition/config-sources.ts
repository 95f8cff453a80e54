import { readFileSync } from 'node:fs';
import { ConfigError } from './config-error.ts';

/** A command's flags as `node:util` parseArgs takes them; the same table governs the file and the environment. */
export type OptionTable = Readonly<Record<string, { readonly type: 'string' | 'boolean'; readonly short?: string }>>;

/** Flags that only steer the command line itself and never come from a file or the environment. */
const COMMAND_LINE_ONLY = new Set(['help', 'config']);

/** The prefix of the environment variables that set flags: `--max-position` is `LADDER_MAX_POSITION`. */
export const ENV_PREFIX = 'LADDER_';

/** The environment variable that names a configuration file when `--config` is absent. */
export const CONFIG_ENV = 'LADDER_CONFIG';

/** Variables with the prefix that are not flags: they are read where they are needed. */
const OTHER_LADDER_VARIABLES = new Set([CONFIG_ENV, 'LADDER_DASHBOARD_TOKEN', 'LADDER_DEBUG']);

export type FlagValues = Record<string, string | boolean | undefined>;

/** Flags merged from the three sources, with where each came from (to name it in an error). */
export interface LayeredFlags {
  readonly values: FlagValues;
  /** flag name → how the user wrote it: `--max-position`, `LADDER_MAX_POSITION` or `ladder.json: max-position`. */
  readonly origins: Readonly<Record<string, string>>;
}

/** `--max-position` → `LADDER_MAX_POSITION`. */
export function envName(flag: string): string {
  return ENV_PREFIX + flag.toUpperCase().replace(/-/g, '_');
}

/**
 * Merges a command's configuration from a JSON file (`--config FILE` or LADDER_CONFIG), the
 * environment (`LADDER_<FLAG>`) and the command line, in rising precedence. Every source is checked
 * against the command's flag table before anything starts: an unknown key, an unknown LADDER_
 * variable or a value of the wrong type stops start-up naming it. `known` lists the flags of every
 * command sharing the environment, so a variable meant for another command is not a mistake here.
 */
export function layerConfig(table: OptionTable, cli: FlagValues, env: NodeJS.ProcessEnv, known: ReadonlySet<string> = new Set()): LayeredFlags {
  const values: FlagValues = {};
  const origins: Record<string, string> = {};
  const file = typeof cli.config === 'string' ? { path: cli.config, field: '--config' } : env[CONFIG_ENV] ? { path: env[CONFIG_ENV], field: CONFIG_ENV } : null;
  if (file !== null) {
    for (const [key, value] of Object.entries(readConfigFile(file.path, file.field))) {
      const origin = `${file.path}: ${key}`;
      const spec = table[key];
      if (spec === undefined || COMMAND_LINE_ONLY.has(key)) throw new ConfigError(origin, unknownKey(key, table));
      values[key] = fileValue(origin, spec.type, value);
      origins[key] = origin;
    }
  }
  for (const [name, text] of Object.entries(env)) {
    if (!name.startsWith(ENV_PREFIX) || text === undefined || OTHER_LADDER_VARIABLES.has(name)) continue;
    const key = name.slice(ENV_PREFIX.length).toLowerCase().replace(/_/g, '-');
    const spec = table[key];
    if (spec === undefined || COMMAND_LINE_ONLY.has(key)) {
      if (known.has(key)) continue;
      throw new ConfigError(name, `not a setting Ladder knows${nearest(key, Object.keys(table)) === null ? '' : `; did you mean ${envName(nearest(key, Object.keys(table))!)}?`}`);
    }
    values[key] = spec.type === 'boolean' ? envBoolean(name, text) : text;
    origins[key] = name;
  }
  for (const [key, value] of Object.entries(cli)) {
    if (value === undefined || COMMAND_LINE_ONLY.has(key)) continue;
    values[key] = value;
    origins[key] = `--${key}`;
  }
  return { values, origins };
}

/**
 * Runs a validation written in terms of flags (`--max-position: …`) so that a mistake in a value from
 * the file or the environment is named as the user wrote it.
 */
export function validateLayered<T>(layered: LayeredFlags, validate: (values: FlagValues) => T): T {
  try {
    return validate(layered.values);
  } catch (error) {
    if (!(error instanceof ConfigError) || !error.field.startsWith('--')) throw error;
    const origin = layered.origins[error.field.slice(2)];
    if (origin === undefined || origin === error.field) throw error;
    throw new ConfigError(origin, error.reason);
  }
}

function readConfigFile(path: string, field: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(field, `cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(field, `${path} is not JSON: ${(error as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError(field, `${path} must hold one JSON object of settings named as the flags are ({"source": "synthetic", "max-position": "0.01"})`);
  }
  return parsed as Record<string, unknown>;
}

function fileValue(origin: string, type: 'string' | 'boolean', value: unknown): string | boolean {
  if (type === 'boolean') {
    if (typeof value !== 'boolean') throw new ConfigError(origin, `must be true or false, not ${JSON.stringify(value)}`);
    return value;
  }
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  throw new ConfigError(origin, `must be a string or a number, not ${JSON.stringify(value)}`);
}

function envBoolean(name: string, text: string): boolean {
  const t = text.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(t)) return true;
  if (['0', 'false', 'no', 'off', ''].includes(t)) return false;
  throw new ConfigError(name, `"${text}" is not true or false (1/0, yes/no)`);
}

function unknownKey(key: string, table: OptionTable): string {
  if (/^(api-?key|api-?secret|secret|bybit)/i.test(key)) return 'not a setting: API keys come from the environment only (BYBIT_API_KEY, BYBIT_API_SECRET), never from a file';
  const near = nearest(key, Object.keys(table).filter((k) => !COMMAND_LINE_ONLY.has(k)));
  return `unknown setting${near === null ? '' : `; did you mean "${near}"?`} (the settings are the command's flags without the dashes)`;
}

/** The candidate closest to `word` by edit distance, when it is close (at most a third of its length). */
export function nearest(word: string, candidates: readonly string[]): string | null {
  let best: string | null = null;
  let bestDistance = Math.max(2, Math.floor(word.length / 3)) + 1;
  for (const c of candidates) {
    const d = editDistance(word, c);
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length];
}
