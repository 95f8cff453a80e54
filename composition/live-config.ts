import { inspect } from 'node:util';
import { BYBIT_MAINNET_URL, BYBIT_TESTNET_URL, ConfigError, paperConfig, readWithLogLevel, type FlagsOf, type PaperConfig, type PaperFlags } from './config.ts';
import { LIVE_SETTINGS, PAPER_SETTINGS } from './run-settings.ts';

/**
 * A secret read from the environment. It prints as `[redacted]` wherever it goes by accident (JSON,
 * `console.log`, a template string); only `reveal()` gives the text, to the one adapter that signs.
 */
export class Secret {
  readonly #text: string;
  constructor(text: string) {
    this.#text = text;
  }
  reveal(): string {
    return this.#text;
  }
  toJSON(): string {
    return '[redacted]';
  }
  toString(): string {
    return '[redacted]';
  }
  [inspect.custom](): string {
    return '[redacted]';
  }
}

export type Network = 'testnet' | 'mainnet';

export interface LiveConfig extends PaperConfig {
  readonly network: Network;
  readonly apiKey: Secret;
  readonly apiSecret: Secret;
  /** Bybit's REST base for orders; Bybit's own for the network unless `--rest-url` (a test server). */
  readonly restUrl: string | null;
  /** Bybit's private WebSocket; Bybit's own for the network unless `--private-url`. */
  readonly privateUrl: string | null;
  /** What becomes of orders open on the exchange at start (`--on-start-orders`). */
  readonly onStartOrders: 'cancel' | 'adopt';
  /** Milliseconds between reconciliations when nothing is in doubt (`--reconcile-every`). */
  readonly reconcileEveryMs: number;
  /** Bybit's recv_window, ms (`--recv-window`). */
  readonly recvWindowMs: number;
  /** The largest clock offset to Bybit start-up accepts, ms (`--max-clock-offset`). */
  readonly maxClockOffsetMs: number;
  /** How long a REST answer is waited for, ms (`--request-timeout`). */
  readonly requestTimeoutMs: number;
  /** Bybit's disconnect-cancel-all window, seconds (`--dcp-window`); null: not set. */
  readonly dcpWindowS: number | null;
}

export type LiveFlags = FlagsOf<typeof LIVE_SETTINGS>;

/** The environment variables app:live takes its keys from, and nothing else does. */
export const KEY_VARIABLES = { apiKey: 'BYBIT_API_KEY', apiSecret: 'BYBIT_API_SECRET' } as const;

/**
 * app:live's configuration: app:paper's, with orders on Bybit. Testnet unless both `--mainnet` and
 * `--confirm-mainnet` (or LADDER_CONFIRM_MAINNET=yes) are given; keys only from the environment. Every
 * check runs here, before any connection is made.
 */
export function liveConfig(flags: LiveFlags, env: NodeJS.ProcessEnv): LiveConfig {
  const s = readWithLogLevel(LIVE_SETTINGS, flags, env);
  const network: Network = s.mainnet ? 'mainnet' : 'testnet';
  if (s.testnet && network === 'mainnet') throw new ConfigError('--testnet', 'give --testnet or --mainnet, not both');
  if (network === 'mainnet' && !s['confirm-mainnet']) {
    throw new ConfigError(
      '--mainnet',
      'orders on mainnet spend real money: confirm with --confirm-mainnet (or LADDER_CONFIRM_MAINNET=yes); without --mainnet, app:live trades on Bybit\'s testnet',
    );
  }
  if (s['confirm-mainnet'] && network !== 'mainnet') throw new ConfigError('--confirm-mainnet', 'only goes with --mainnet');
  const apiKey = key(env, KEY_VARIABLES.apiKey, network);
  const apiSecret = key(env, KEY_VARIABLES.apiSecret, network);
  // Market data from Bybit's public stream, or from a JetStream stream a recorder publishes (docs/scale-out.md);
  // orders always go to Bybit. The rest is app:paper's, read by its own declarations.
  const shared: PaperFlags = Object.fromEntries(Object.entries(flags).filter(([k]) => k in PAPER_SETTINGS && k !== 'testnet'));
  const paper = paperConfig({ ...shared, source: s.source ?? 'bybit', url: s.url ?? (network === 'mainnet' ? BYBIT_MAINNET_URL : BYBIT_TESTNET_URL) }, env);
  return {
    ...paper, network, apiKey, apiSecret,
    restUrl: s['rest-url'] ?? null,
    privateUrl: s['private-url'] ?? null,
    onStartOrders: s['on-start-orders'],
    reconcileEveryMs: s['reconcile-every'],
    recvWindowMs: s['recv-window'],
    maxClockOffsetMs: s['max-clock-offset'],
    requestTimeoutMs: s['request-timeout'],
    // Bybit takes a window of 3 to 300 seconds (https://bybit-exchange.github.io/docs/v5/order/dcp).
    dcpWindowS: s['dcp-window'] ?? null,
  };
}

function key(env: NodeJS.ProcessEnv, name: string, network: Network): Secret {
  const text = env[name];
  if (text === undefined || text.trim() === '') {
    throw new ConfigError(name, `not set: app:live reads Bybit ${network} API keys from the environment only (${KEY_VARIABLES.apiKey} and ${KEY_VARIABLES.apiSecret})`);
  }
  if (/\s/.test(text)) throw new ConfigError(name, 'holds whitespace; copy the key again without spaces or line breaks');
  return new Secret(text);
}
