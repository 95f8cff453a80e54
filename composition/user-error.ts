import { ConfigError } from './config-error.ts';

/**
 * How a command ends, as its exit code says. `ladder help` and docs/operations.md list them; a
 * script may rely on them.
 */
export const EXIT = {
  /** The command did what it was asked; a run reached its end (--duration, or the end of its input). */
  completed: 0,
  /** Something unexpected failed (not a mistake in what was given); one line, the trace with LADDER_DEBUG=1. */
  failed: 1,
  /** A flag, setting, file or store was refused, named in the one line on standard error; or the market could not be reached. */
  refused: 2,
  /** The run ended halted: its kill switch was pulled or a circuit breaker held it. */
  halted: 3,
  /** The input file was cut short (a truncated gzip): what could be read was processed, and the summary says where it stopped. */
  inputCut: 4,
  SIGINT: 130,
  SIGTERM: 143,
} as const;

/** Longest excerpt of user-given text (a frame, a file's bytes) any message repeats. */
export const EXCERPT_CHARS = 120;

/**
 * `text` safe for a terminal line: control characters, lone surrogates and the replacement character
 * of undecodable bytes escaped (`\x1b`, `\ufffd`), and cut to `max` characters with an ellipsis. Raw
 * bytes of a binary file never reach the screen.
 */
export function printable(text: string, max = EXCERPT_CHARS): string {
  let out = '';
  for (const ch of text) {
    if (out.length >= max) return `${out}…`;
    const code = ch.codePointAt(0)!;
    if (code < 0x20 || code === 0x7f) out += code === 9 ? '\\t' : code === 10 ? '\\n' : code === 13 ? '\\r' : `\\x${code.toString(16).padStart(2, '0')}`;
    else if ((code >= 0x80 && code < 0xa0) || code === 0xfffd || (code >= 0xd800 && code <= 0xdfff)) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return out;
}

/** What a file-system error code means, in words. */
const FS_CODES: Readonly<Record<string, string>> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on the device',
  EISDIR: 'is a directory',
  ENOTDIR: 'a part of the path is not a directory',
  EEXIST: 'already exists',
  EMFILE: 'too many open files',
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host not found',
  ETIMEDOUT: 'timed out',
};

/** A file-system or network error's code in words (`permission denied`), or its first line. */
export function reasonOf(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  if (typeof code === 'string' && FS_CODES[code] !== undefined) return `${FS_CODES[code]} (${code})`;
  return firstLine(error);
}

/** The first line of an error's message, escaped and cut: never a stack frame. */
export function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return printable(message.split('\n').find((l) => l.trim() !== '') ?? message, 400);
}

/**
 * The one line a command prints for an error that ends it, and the exit code. A `ConfigError` names
 * its flag, variable, setting or file (exit 2); anything else is unexpected (exit 1): its first line,
 * and its trace only when LADDER_DEBUG is set.
 */
export function describeError(error: unknown, env: NodeJS.ProcessEnv): { line: string; code: number; trace: string | null } {
  if (error instanceof ConfigError) return { line: `ladder: ${error.field}: ${printable(error.reason, 600)}`, code: EXIT.refused, trace: null };
  const code = (error as { code?: unknown } | null)?.code;
  if (error instanceof TypeError && typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')) {
    return { line: `ladder: ${firstLine(error)}`, code: EXIT.refused, trace: null };
  }
  const debug = env.LADDER_DEBUG !== undefined && env.LADDER_DEBUG !== '' && env.LADDER_DEBUG !== '0';
  return {
    line: `ladder: failed: ${reasonOf(error)}${debug ? '' : ' (LADDER_DEBUG=1 prints the trace)'}`,
    code: EXIT.failed,
    trace: debug && error instanceof Error ? (error.stack ?? null) : null,
  };
}
