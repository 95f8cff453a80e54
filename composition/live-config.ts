import { inspect } from 'node:util';
import { BYBIT_MAINNET_URL, BYBIT_TESTNET_URL, ConfigError, durationFlag, intFlag, paperConfig, type PaperConfig, type PaperFlags } from './config.ts';

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

export interface LiveFlags extends Omit<PaperFlags, 'input' | 'speed' | 'seed'> {
  readonly mainnet?: boolean;
  readonly 'confirm-mainnet'?: boolean;
  readonly 'rest-url'?: string;
  readonly 'private-url'?: string;
  readonly 'on-start-orders'?: string;
  readonly 'reconcile-every'?: string;
  readonly 'recv-window'?: string;
  readonly 'max-clock-offset'?: string;
  readonly 'request-timeout'?: string;
  readonly 'dcp-window'?: string;
}

/** The environment variables app:live takes its keys from, and nothing else does. */
export const KEY_VARIABLES = { apiKey: 'BYBIT_API_KEY', apiSecret: 'BYBIT_API_SECRET' } as const;

/**
 * app:live's configuration: app:paper's, with orders on Bybit. Testnet unless both `--mainnet` and
 * `--confirm-mainnet` (or LADDER_CONFIRM_MAINNET=yes) are given; keys only from the environment. Every
 * check runs here, before any connection is made.
 */
export function liveConfig(flags: LiveFlags, env: NodeJS.ProcessEnv): LiveConfig {
  const network: Network = flags.mainnet === true ? 'mainnet' : 'testnet';
  if (flags.testnet === true && network === 'mainnet') throw new ConfigError('--testnet', 'give --testnet or --mainnet, not both');
  if (network === 'mainnet' && flags['confirm-mainnet'] !== true) {
    throw new ConfigError(
      '--mainnet',
      'orders on mainnet spend real money: confirm with --confirm-mainnet (or LADDER_CONFIRM_MAINNET=yes); without --mainnet, app:live trades on Bybit\'s testnet',
    );
  }
  if (flags['confirm-mainnet'] === true && network !== 'mainnet') throw new ConfigError('--confirm-mainnet', 'only goes with --mainnet');
  const apiKey = key(env, KEY_VARIABLES.apiKey, network);
  const apiSecret = key(env, KEY_VARIABLES.apiSecret, network);
  const restUrl = httpUrl('--rest-url', flags['rest-url']);
  const privateUrl = wsUrl('--private-url', flags['private-url']);
  // Market data from Bybit's public stream, or from a JetStream stream a recorder publishes (docs/scale-out.md);
  // orders always go to Bybit.
  const nats = flags.source?.startsWith('nats://') === true ? flags.source : null;
  if (flags.source !== undefined && flags.source !== 'bybit' && nats === null) {
    throw new ConfigError('--source', `app:live takes market data from bybit (the default) or a JetStream stream nats://HOST:PORT/STREAM, not "${flags.source}"`);
  }
  const paper = paperConfig(
    { ...flags, source: nats ?? 'bybit', url: flags.url ?? (network === 'mainnet' ? BYBIT_MAINNET_URL : BYBIT_TESTNET_URL), testnet: undefined },
    env,
  );
  const onStart = flags['on-start-orders'] ?? 'cancel';
  if (onStart !== 'cancel' && onStart !== 'adopt') throw new ConfigError('--on-start-orders', `"${onStart}" is neither cancel nor adopt`);
  return {
    ...paper, network, apiKey, apiSecret, restUrl, privateUrl,
    onStartOrders: onStart,
    reconcileEveryMs: flags['reconcile-every'] === undefined ? 10_000 : durationFlag('--reconcile-every', flags['reconcile-every']),
    recvWindowMs: flags['recv-window'] === undefined ? 5_000 : intFlag('--recv-window', flags['recv-window'], 100, 60_000),
    maxClockOffsetMs: flags['max-clock-offset'] === undefined ? 10_000 : intFlag('--max-clock-offset', flags['max-clock-offset'], 0, 3_600_000),
    requestTimeoutMs: flags['request-timeout'] === undefined ? 5_000 : intFlag('--request-timeout', flags['request-timeout'], 50, 60_000),
    // Bybit takes a window of 3 to 300 seconds (https://bybit-exchange.github.io/docs/v5/order/dcp).
    dcpWindowS: flags['dcp-window'] === undefined ? null : intFlag('--dcp-window', flags['dcp-window'], 3, 300),
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

function httpUrl(field: string, text: string | undefined): string | null {
  if (text === undefined) return null;
  if (!/^https?:\/\/[^/]/.test(text)) throw new ConfigError(field, `"${text}" is not an http:// or https:// URL`);
  return text.replace(/\/+$/, '');
}

function wsUrl(field: string, text: string | undefined): string | null {
  if (text === undefined) return null;
  if (!/^wss?:\/\/[^/]/.test(text)) throw new ConfigError(field, `"${text}" is not a ws:// or wss:// URL`);
  return text;
}
