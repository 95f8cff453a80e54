import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ConfigError } from './config-error.ts';
import { nearest } from './config-sources.ts';

/** A command's flags as `node:util` parseArgs takes them. */
type Options = Readonly<Record<string, { readonly type: 'string' | 'boolean'; readonly short?: string }>>;

/**
 * Prepares a command line for `parseArgs`: a value that starts with a dash but is a number
 * (`--capital -5`) is joined to its flag (`--capital=-5`), so that the flag's own check refuses it by
 * name rather than parseArgs calling it ambiguous; an unknown flag stops with the nearest known one
 * (`--inptu: unknown flag; did you mean --input?`).
 */
export function normalizeArgs(args: readonly string[], options: Options, command: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--') {
      out.push(...args.slice(i));
      break;
    }
    if (arg.startsWith('--')) {
      const name = arg.slice(2).split('=')[0];
      const spec = options[name];
      if (spec === undefined) throw unknownFlag(`--${name}`, Object.keys(options).map((k) => `--${k}`), command);
      const next = args[i + 1];
      if (spec.type === 'string' && !arg.includes('=') && next !== undefined && /^-(\d|\.\d)/.test(next)) {
        out.push(`${arg}=${next}`);
        i++;
        continue;
      }
    } else if (/^-[A-Za-z]$/.test(arg) && !Object.values(options).some((o) => o.short === arg.slice(1))) {
      throw unknownFlag(arg, Object.keys(options).map((k) => `--${k}`), command);
    }
    out.push(arg);
  }
  return out;
}

function unknownFlag(flag: string, known: readonly string[], command: string): ConfigError {
  const near = nearest(flag, known);
  return new ConfigError(flag, `unknown flag${near === null ? '' : `; did you mean ${near}?`} ("ladder help ${command}" lists the flags)`);
}

/** `parseArgs` after `normalizeArgs`: negative numbers reach their flag's check, unknown flags get a suggestion. */
export function parseCommandLine<T extends ParseArgsConfig & { args: string[]; options: Options }>(command: string, config: T): ReturnType<typeof parseArgs<T>> {
  return parseArgs({ ...config, args: normalizeArgs(config.args, config.options, command) });
}
