import { existsSync, readFileSync } from 'node:fs';
import { ConfigError } from './config.ts';
import { setting, text } from './settings.ts';

/** How a command names the process it signals: declared once for `ladder kill` and `ladder model reload`. */
export const PID_SETTINGS = {
  pid: setting(text(), { arg: 'PID', help: 'the id of the process running the paper command' }),
  'pid-file': setting(text(), { arg: 'FILE', help: 'the file that process writes when started with --pid-file' }),
};

/**
 * The process id a command signals: `--pid`, or the one a running `ladder paper --pid-file FILE`
 * wrote; exactly one of them. `command` names the command in errors (`kill`, `model reload`).
 */
export function targetPid(command: string, pid: string | undefined, pidFile: string | undefined): number {
  if ((pid === undefined) === (pidFile === undefined)) throw new ConfigError(command, 'give one of --pid PID or --pid-file FILE');
  if (pid !== undefined) return pidNumber('--pid', pid, pid);
  if (!existsSync(pidFile!)) throw new ConfigError('--pid-file', `file not found: ${pidFile} (is the paper run under way, started with --pid-file?)`);
  return pidNumber('--pid-file', readFileSync(pidFile!, 'utf8').trim(), pidFile!);
}

function pidNumber(field: string, text: string, source: string): number {
  if (!/^[1-9]\d{0,9}$/.test(text)) throw new ConfigError(field, `${field === '--pid' ? '' : `${source} holds `}"${text}", not a process id`);
  return Number(text);
}

/**
 * Sends `signal` to `pid`; an error names a process that is gone or not ours to signal. Windows has
 * neither SIGHUP nor SIGUSR2 (Node would end the process instead): `windows` says what to do there.
 */
export function signalProcess(command: string, pid: number, signal: NodeJS.Signals, windows: string): void {
  if (process.platform === 'win32') throw new ConfigError(command, windows);
  // Signal 0 only asks whether the process is there. SIGUSR2 and SIGHUP end a process that does not
  // handle them, so a stale id (a pid file left by kill -9, the id since taken by another program)
  // must be refused before anything is sent.
  send(command, pid, 0);
  const program = commandLine(pid);
  // A process that has exited but not been reaped yet shows an empty command line.
  if (program === '') throw new ConfigError(command, `no process ${pid}: the run has ended, or the id is wrong`);
  if (program !== null && !/node|ladder|tsx/.test(program)) {
    throw new ConfigError(command, `process ${pid} is not a ladder run (${program.slice(0, 80)}): the run has ended, or the id is wrong; nothing sent`);
  }
  send(command, pid, signal);
}

function send(command: string, pid: number, signal: NodeJS.Signals | 0): void {
  try {
    process.kill(pid, signal);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ESRCH') throw new ConfigError(command, `no process ${pid}: the run has ended, or the id is wrong`);
    if (code === 'EPERM') throw new ConfigError(command, `not allowed to signal process ${pid}`);
    throw error;
  }
}

/** The process's command line, where the system shows it (Linux's /proc); null elsewhere. */
function commandLine(pid: number): string | null {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    return null;
  }
}
