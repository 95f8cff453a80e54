import { ConfigError } from './config.ts';
import { PID_SETTINGS, signalProcess, targetPid } from './process-signal.ts';
import { flag, helpLines, optionTable, readSettings } from './settings.ts';
import { parseCommandLine } from './args.ts';

/** The signal a running `ladder paper` takes as the operator's kill switch. */
export const KILL_SIGNAL = 'SIGUSR2';

/** The reason the kill switch records when the signal pulls it. */
export const KILL_REASON = `${KILL_SIGNAL} from the operator`;

/** `ladder kill`'s settings, declared as the other commands' are (settings.ts). */
const KILL_SETTINGS = { ...PID_SETTINGS, help: flag('this text', 'h') };

export const KILL_HELP = `ladder kill --pid PID | --pid-file FILE

Pulls the kill switch of a running "ladder paper" or "ladder live": sends it ${KILL_SIGNAL}. A paper run, at
its next book event, cancels every working order, flattens its position and sends no new order (HALTED);
a live run does so at once, without market data, sized from the exchange's position. The decision is
stored with the other risk decisions of the run, its reason "${KILL_SIGNAL} from the operator". The run
keeps going, halted, until it is stopped (Ctrl-C or SIGTERM); its log says so.

${helpLines(KILL_SETTINGS, ['pid', 'pid-file'])}

Give the id of the paper process itself, not that of a launcher such as npm, which ${KILL_SIGNAL} would end.
Not on Windows, which has no ${KILL_SIGNAL}: stop the run there with Ctrl-C.`;

/** `ladder kill`; writes what it did through `out`, one call a line. Bad input throws a `ConfigError`. */
export function killCommand(args: string[], out: (text: string) => void): number {
  const { values: parsed, positionals } = parseCommandLine('kill', { args, options: optionTable(KILL_SETTINGS), allowPositionals: true });
  if (parsed.help === true) {
    out(KILL_HELP);
    return 0;
  }
  if (positionals.length > 0) throw new ConfigError('kill', `unexpected argument "${positionals[0]}"; use --pid PID or --pid-file FILE`);
  const values = readSettings(KILL_SETTINGS, parsed);
  const pid = targetPid('kill', values.pid, values['pid-file']);
  signalProcess('kill', pid, KILL_SIGNAL, `Windows has no ${KILL_SIGNAL}; stop the paper run with Ctrl-C`);
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

