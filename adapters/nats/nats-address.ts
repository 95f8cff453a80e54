import { err, ok, type Result } from '../../domain/result.ts';

/** The stream `ladder record --publish nats://HOST:PORT` writes to when the address names none. */
export const DEFAULT_MARKET_STREAM = 'LADDER_MD';

/** Where a consumer starts: the next frame published, the stream's first, a stream sequence, or a time. */
export type StartAt =
  | { readonly kind: 'new' }
  | { readonly kind: 'first' }
  | { readonly kind: 'sequence'; readonly sequence: number }
  /** Milliseconds since the epoch: the first frame the server stored at or after it. */
  | { readonly kind: 'time'; readonly ms: number };

/** Where a consumer ends: never (it tails), at the last frame stored when it started, or at a sequence. */
export type EndAt = { readonly kind: 'never' } | { readonly kind: 'last' } | { readonly kind: 'sequence'; readonly sequence: number };

/** A market-data stream on a NATS server, as `nats://HOST:PORT/STREAM?start=…&end=…&durable=…` names it. */
export interface NatsAddress {
  /** `HOST:PORT`, as the client takes it. */
  readonly server: string;
  readonly stream: string;
  /** Explicitly given in the address (`/STREAM`), or the default. */
  readonly streamGiven: boolean;
  readonly start: StartAt;
  readonly startGiven: boolean;
  readonly end: EndAt;
  readonly endGiven: boolean;
  /** A durable consumer's name: a restarted consumer of that name goes on after its last acknowledged frame. */
  readonly durable: string | null;
}

const ACCEPTED = 'use nats://HOST:PORT/STREAM, optionally with ?start=new|first|SEQ|ISO-TIME&end=last|SEQ&durable=NAME';
/** JetStream names: no spaces, dots, `*`, `>`, path separators (nats-server's `isValidName`). */
const NAME = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * Reads a NATS address as written on the command line. `start` defaults to `new` (a live tail) and
 * `end` to `never`; a backtest asks for other defaults with `withDefaults`. Messages name the part
 * that is wrong, never a password in the URL.
 */
export function parseNatsAddress(text: string): Result<NatsAddress, string> {
  if (!text.startsWith('nats://')) return err(`"${text.split(':')[0]}" is not a nats:// address: ${ACCEPTED}`);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return err(`invalid nats:// address: ${ACCEPTED}`);
  }
  if (url.hostname === '') return err(`the nats:// address names no host: ${ACCEPTED}`);
  const path = url.pathname.replace(/^\/+|\/+$/g, '');
  if (path !== '' && !NAME.test(path)) return err(`"${path}" is not a stream name (letters, digits, _ and -, at most 64): ${ACCEPTED}`);
  const known = new Set(['start', 'end', 'durable']);
  for (const key of url.searchParams.keys()) if (!known.has(key)) return err(`unknown parameter "${key}": ${ACCEPTED}`);
  const start = parseStart(url.searchParams.get('start'));
  if (!start.ok) return start;
  const end = parseEnd(url.searchParams.get('end'));
  if (!end.ok) return end;
  const durable = url.searchParams.get('durable');
  if (durable !== null && !NAME.test(durable)) return err(`"${durable}" is not a consumer name (letters, digits, _ and -): ${ACCEPTED}`);
  const auth = url.username === '' ? '' : `${decodeURIComponent(url.username)}${url.password === '' ? '' : `:${decodeURIComponent(url.password)}`}@`;
  return ok({
    server: `${auth}${url.hostname}:${url.port === '' ? '4222' : url.port}`,
    stream: path === '' ? DEFAULT_MARKET_STREAM : path,
    streamGiven: path !== '',
    start: start.value ?? { kind: 'new' },
    startGiven: start.value !== null,
    end: end.value ?? { kind: 'never' },
    endGiven: end.value !== null,
    durable,
  });
}

/**
 * The address text with `start` and `end` added where it gives none: a backtest reads what the stream
 * holds (`first` to `last`), where a trading run tails it. Text that is no URL comes back unchanged.
 */
export function withDefaultRange(text: string, start: string, end: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return text;
  }
  if (!url.searchParams.has('start')) url.searchParams.set('start', start);
  if (!url.searchParams.has('end')) url.searchParams.set('end', end);
  return url.toString();
}

/** The address for logs and run records: no password. */
export function describeNatsAddress(address: NatsAddress): string {
  const host = address.server.includes('@') ? address.server.slice(address.server.lastIndexOf('@') + 1) : address.server;
  return `nats://${host}/${address.stream}`;
}

function parseStart(text: string | null): Result<StartAt | null, string> {
  if (text === null) return ok(null);
  if (text === 'new') return ok({ kind: 'new' });
  if (text === 'first') return ok({ kind: 'first' });
  if (/^\d+$/.test(text)) {
    const sequence = Number(text);
    if (!Number.isSafeInteger(sequence) || sequence < 1) return err(`start=${text}: a stream sequence starts at 1`);
    return ok({ kind: 'sequence', sequence });
  }
  const ms = Date.parse(text);
  if (/^\d{4}-\d{2}-\d{2}/.test(text) && Number.isFinite(ms)) return ok({ kind: 'time', ms });
  return err(`start=${text} is not new, first, a sequence or an ISO time (2026-01-01T00:00:00Z)`);
}

function parseEnd(text: string | null): Result<EndAt | null, string> {
  if (text === null) return ok(null);
  if (text === 'never') return ok({ kind: 'never' });
  if (text === 'last') return ok({ kind: 'last' });
  if (/^\d+$/.test(text) && Number(text) >= 1 && Number.isSafeInteger(Number(text))) return ok({ kind: 'sequence', sequence: Number(text) });
  return err(`end=${text} is not never, last or a stream sequence`);
}
