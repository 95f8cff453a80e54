import { inspect } from 'node:util';
import { BYBIT_MAINNET_URL, BYBIT_TESTNET_URL, ConfigError, paperConfig, type PaperConfig, type PaperFlags } from './config.ts';

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
}

export interface LiveFlags extends Omit<PaperFlags, 'source' | 'input' | 'speed' | 'seed'> {
  readonly mainnet?: boolean;
  readonly 'confirm-mainnet'?: boolean;
  readonly 'rest-url'?: string;
  readonly 'private-url'?: string;
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
  const paper = paperConfig(
    { ...flags, source: 'bybit', url: flags.url ?? (network === 'mainnet' ? BYBIT_MAINNET_URL : BYBIT_TESTNET_URL), testnet: undefined },
    env,
  );
  return { ...paper, network, apiKey, apiSecret, restUrl, privateUrl };
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
