import { existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ConfigError } from './config.ts';

/** The signal a running `ladder paper` takes as the operator's kill switch. */
export const KILL_SIGNAL = 'SIGUSR2';

/** The reason the kill switch records when the signal pulls it. */
export const KILL_REASON = `${KILL_SIGNAL} from the operator`;

export const KILL_HELP = `ladder kill --pid PID | --pid-file FILE

Pulls the kill switch of a running "ladder paper": sends it ${KILL_SIGNAL}. At its next book event the run
cancels every working order, flattens its position and sends no new order (HALTED); the decision is
stored with the other risk decisions of the run, its reason "${KILL_SIGNAL} from the operator". The run
keeps going, halted, until it is stopped (Ctrl-C or SIGTERM); its log says so.

  --pid PID         the id of the process running the paper command
  --pid-file FILE   the file that process writes when started with --pid-file

Give the id of the paper process itself, not that of a launcher such as npm, which ${KILL_SIGNAL} would end.
Not on Windows, which has no ${KILL_SIGNAL}: stop the run there with Ctrl-C.`;

/** `ladder kill`; writes what it did through `out`, one call a line. Bad input throws a `ConfigError`. */
export function killCommand(args: string[], out: (text: string) => void): number {
  const { values, positionals } = parseArgs({
    args,
    options: { pid: { type: 'string' }, 'pid-file': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    allowPositionals: true,
  });
  if (values.help === true) {
    out(KILL_HELP);
    return 0;
  }
  if (positionals.length > 0) throw new ConfigError('kill', `unexpected argument "${positionals[0]}"; use --pid PID or --pid-file FILE`);
  const pid = targetPid(values.pid, values['pid-file']);
  sendKill(pid);
  out(`sent ${KILL_SIGNAL} to process ${pid}: it cancels its orders, flattens and stays halted until stopped`);
  return 0;
}

/**
 * The receiving side, in the paper run: calls `kill` with `KILL_REASON` on each SIGUSR2 until the
 * returned function is called. Nothing on Windows, which has no SIGUSR2.
 */
export function onKillSignal(kill: (reason: string) => void): () => void {
  if (process.platform === 'win32') return () => undefined;
  const pull = (): void => kill(KILL_REASON);
  process.on(KILL_SIGNAL, pull);
  return () => process.off(KILL_SIGNAL, pull);
}

/** The process id from `--pid`, or read from `--pid-file`; exactly one of them. */
function targetPid(pid: string | undefined, pidFile: string | undefined): number {
  if ((pid === undefined) === (pidFile === undefined)) throw new ConfigError('kill', 'give one of --pid PID or --pid-file FILE');
  if (pid !== undefined) return pidNumber('--pid', pid, pid);
  if (!existsSync(pidFile!)) throw new ConfigError('--pid-file', `file not found: ${pidFile} (is the paper run under way, started with --pid-file?)`);
  return pidNumber('--pid-file', readFileSync(pidFile!, 'utf8').trim(), pidFile!);
}

function pidNumber(field: string, text: string, source: string): number {
  if (!/^[1-9]\d{0,9}$/.test(text)) throw new ConfigError(field, `${field === '--pid' ? '' : `${source} holds `}"${text}", not a process id`);
  return Number(text);
}

/** The kill signal to `pid`; an error names a process that is gone or not ours to signal. */
function sendKill(pid: number): void {
  // Windows has no SIGUSR2: Node sends only signals that end a process there, which would skip the flatten.
  if (process.platform === 'win32') throw new ConfigError('kill', `Windows has no ${KILL_SIGNAL}; stop the paper run with Ctrl-C`);
  try {
    process.kill(pid, KILL_SIGNAL);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ESRCH') throw new ConfigError('kill', `no process ${pid}: the run has ended, or the id is wrong`);
    if (code === 'EPERM') throw new ConfigError('kill', `not allowed to signal process ${pid}`);
    throw error;
  }
}
