import { z } from 'zod';
import { ConfigError } from './config-error.ts';
import { nearest } from './config-sources.ts';
import { readDuration } from './duration.ts';

/**
 * One setting, declared once: how its text is read (a zod schema, which gives its type and default),
 * how the command line takes it, and its line in the help. The same declaration governs the flag
 * `--name`, the variable `LADDER_NAME` and the config file's key `name`.
 */
export interface Setting<S extends z.ZodType = z.ZodType> {
  readonly type: 'string' | 'boolean';
  readonly schema: S;
  /** The value's placeholder in the help: `--max-position QTY`. */
  readonly arg?: string;
  readonly short?: string;
  /** A flag that may be given several times (`--input a --input b`): its value is then a list. */
  readonly multiple?: true;
  /** What it does, in one sentence or a few; wrapped to the help's width. */
  readonly help: string;
  /** The default as the user would write it, shown in the help; absent: none, or one the command works out. */
  readonly defaultText?: string;
}

export type SettingTable = Readonly<Record<string, Setting>>;

/** Each setting's value, as its schema gives it: a default filled in, or undefined where there is none. */
export type SettingValues<T extends SettingTable> = { readonly [K in keyof T]: z.output<T[K]['schema']> };

interface Meta {
  readonly arg?: string;
  readonly help: string;
  readonly short?: string;
}

/** A setting whose text is read by `schema`; with `default`, read from that text when the setting is absent. */
export function setting<S extends z.ZodType<unknown, string>>(schema: S, meta: Meta & { readonly default: string }): Setting<z.ZodPrefault<S>> & { readonly type: 'string' };
export function setting<S extends z.ZodType<unknown, string>>(schema: S, meta: Meta): Setting<z.ZodOptional<S>> & { readonly type: 'string' };
export function setting(schema: z.ZodType<unknown, string>, meta: Meta & { readonly default?: string }): Setting {
  const { default: defaultText, ...rest } = meta;
  return defaultText === undefined
    ? { type: 'string', schema: schema.optional(), ...rest }
    : { type: 'string', schema: schema.prefault(defaultText), ...rest, defaultText };
}

/** An on/off flag (`--json`); false when absent. */
export function flag(help: string, short?: string): Setting<z.ZodDefault<z.ZodBoolean>> & { readonly type: 'boolean' } {
  return { type: 'boolean', schema: z.boolean().default(false), help, ...(short === undefined ? {} : { short }) };
}

/** The text as given. */
export const text = (): z.ZodString => z.string();

/** Text that must name something: a file, a host. */
export const named = (what: string): z.ZodString => z.string().refine((s) => s.trim() !== '', { error: `must name ${what}` });

/** A whole number within `min..max`. */
export function int(min: number, max: number): z.ZodType<number, string> {
  return z
    .string()
    .regex(/^-?\d+$/, { error: (issue) => `"${String(issue.input)}" is not a whole number` })
    .transform(Number)
    .pipe(z.number().min(min, { error: (issue) => `${String(issue.input)} is outside ${min}..${max}` }).max(max, { error: (issue) => `${String(issue.input)} is outside ${min}..${max}` }));
}

/** A number that passes `ok`; otherwise refused with `says` ("is not a fraction from 0 to 1"). */
export function number(ok: (n: number) => boolean, says: string): z.ZodType<number, string> {
  return z.string().transform((s, ctx) => {
    const n = Number(s);
    if (s.trim() !== '' && Number.isFinite(n) && ok(n)) return n;
    ctx.addIssue({ code: 'custom', message: `"${s}" ${says}` });
    return z.NEVER;
  });
}

/** One of a few words, with the nearest one suggested for a typo. */
export function oneOf<const W extends readonly [string, ...string[]]>(words: W): z.ZodType<W[number], string> {
  return z.string().transform((s, ctx) => {
    if ((words as readonly string[]).includes(s)) return s;
    const near = nearest(s, words);
    ctx.addIssue({ code: 'custom', message: `"${s}" is not one of ${words.join(', ')}${near === null ? '' : `; did you mean "${near}"?`}` });
    return z.NEVER;
  });
}

/** A duration with its unit (500ms, 90s, 15m, 1h, 2d), in milliseconds; a bare number is refused. */
export function duration(): z.ZodType<number, string> {
  return fromResult(readDuration);
}

/** A value read by a function that says what is wrong with the text, in the reason's words. */
export function fromResult<T>(read: (text: string) => { ok: true; value: T } | { ok: false; error: string }): z.ZodType<T, string> {
  return z.string().transform((s, ctx) => {
    const r = read(s);
    if (r.ok) return r.value;
    ctx.addIssue({ code: 'custom', message: r.error });
    return z.NEVER;
  });
}

/**
 * Reads flag values (text, or booleans for flags) through the table's schemas: defaults filled in,
 * every value typed. The first mistake throws a `ConfigError` naming the flag (`--max-position`);
 * `validateLayered` renames it for a value that came from a variable or a file. Keys the table does
 * not hold are ignored: a command passes what it parsed, and each table takes its own.
 */
export function readSettings<T extends SettingTable>(table: T, values: Readonly<Record<string, unknown>>): SettingValues<T> {
  const shape = Object.fromEntries(Object.entries(table).map(([key, s]) => [key, s.schema]));
  const given = Object.fromEntries(Object.keys(table).filter((k) => values[k] !== undefined).map((k) => [k, values[k]]));
  const parsed = z.object(shape).safeParse(given);
  if (parsed.success) return parsed.data as SettingValues<T>;
  const issue = parsed.error.issues[0];
  throw new ConfigError(`--${String(issue.path[0])}`, issue.message);
}

/** The table as `node:util` parseArgs takes it (and `layerConfig`, which checks the file and the environment against it). */
export function optionTable<T extends SettingTable>(
  table: T,
): { readonly [K in keyof T]: T[K] extends { readonly multiple: true } ? { readonly type: 'string'; readonly multiple: true } : { readonly type: T[K]['type']; readonly short?: string } } {
  return Object.fromEntries(
    Object.entries(table).map(([k, s]) => [k, { type: s.type, ...(s.short === undefined ? {} : { short: s.short }), ...(s.multiple === undefined ? {} : { multiple: true }) }]),
  ) as never;
}

/** Where the help's descriptions start, and how wide its lines may be. */
const HELP_COLUMN = 25;
const HELP_WIDTH = 110;

/** The help's option lines, in the table's order: `  --max-position QTY     largest … (default 0.010)`. */
export function helpLines(table: SettingTable, keys: readonly string[] = Object.keys(table)): string {
  return keys
    .map((key) => {
      const s = table[key];
      const head = `  --${key}${s.arg === undefined ? '' : ` ${s.arg}`}`;
      // The default is kept on one line: a no-break space while wrapping.
      const body = s.defaultText === undefined ? s.help : `${s.help} (default\u00a0${s.defaultText})`;
      const lines = wrap(body, HELP_WIDTH - HELP_COLUMN).map((l) => l.replace(/\u00a0/g, ' '));
      const first = head.length < HELP_COLUMN - 1 ? `${head.padEnd(HELP_COLUMN)}${lines[0]}` : `${head}\n${' '.repeat(HELP_COLUMN)}${lines[0]}`;
      return [first, ...lines.slice(1).map((l) => `${' '.repeat(HELP_COLUMN)}${l}`)].join('\n');
    })
    .join('\n');
}

function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/[ \n\t]+/)) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  return [...lines, line];
}
