import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstreamManager, type JetStreamManager, type StreamConfig } from '@nats-io/jetstream';
import type { Logger } from '../../application/ports/logger.ts';

export type { NatsConnection } from '@nats-io/transport-node';

/** What happened to a connection after it first opened: the client reconnects by itself, without end. */
export type ConnectionEvent = { readonly kind: 'disconnected'; readonly server: string } | { readonly kind: 'reconnected'; readonly server: string };

export interface ConnectionCounters {
  disconnects: number;
  reconnects: number;
}

/**
 * Opens a connection to `server` (`HOST:PORT`). The first attempt failing rejects with a message
 * naming the server (the address or the network is wrong); after that, every loss is retried every
 * `reconnectWaitMs` until `close()`, logged and counted, and reported to `onEvent`.
 */
export async function openNats(
  server: string,
  options: { readonly name: string; readonly logger: Logger; readonly onEvent?: (event: ConnectionEvent) => void; readonly reconnectWaitMs?: number; readonly timeoutMs?: number },
): Promise<{ connection: NatsConnection; counters: ConnectionCounters }> {
  let connection: NatsConnection;
  try {
    connection = await connect({
      servers: server,
      name: options.name,
      maxReconnectAttempts: -1,
      reconnectTimeWait: options.reconnectWaitMs ?? 500,
      timeout: options.timeoutMs ?? 5_000,
      // Missed pings make a silent server a disconnect within about 20 s rather than minutes.
      pingInterval: 10_000,
      maxPingOut: 2,
    });
  } catch (error) {
    throw new Error(`NATS at ${hostOf(server)} cannot be reached: ${(error as Error).message}`);
  }
  const counters: ConnectionCounters = { disconnects: 0, reconnects: 0 };
  void (async () => {
    for await (const status of connection.status()) {
      if (status.type === 'disconnect') {
        counters.disconnects++;
        options.logger.warn({ server: hostOf(server), disconnects: counters.disconnects }, 'NATS connection lost; reconnecting');
        options.onEvent?.({ kind: 'disconnected', server: hostOf(server) });
      } else if (status.type === 'reconnect') {
        counters.reconnects++;
        options.logger.info({ server: hostOf(server), reconnects: counters.reconnects }, 'NATS connection back');
        options.onEvent?.({ kind: 'reconnected', server: hostOf(server) });
      }
    }
  })().catch(() => undefined);
  return { connection, counters };
}

/**
 * Makes sure the stream exists with this configuration: creates it, or updates the limits of one that
 * exists (its subjects must be the same). Rejects with a message naming the stream.
 */
export async function ensureStream(jsm: JetStreamManager, config: Partial<StreamConfig> & { name: string; subjects: string[] }): Promise<void> {
  let existing;
  try {
    existing = await jsm.streams.info(config.name);
  } catch (error) {
    if (!isNotFound(error)) throw new Error(`JetStream stream ${config.name}: ${(error as Error).message}`);
    await jsm.streams.add(config);
    return;
  }
  const same = existing.config.subjects.length === config.subjects.length && existing.config.subjects.every((s, i) => s === config.subjects[i]);
  if (!same) throw new Error(`JetStream stream ${config.name} exists with subjects ${existing.config.subjects.join(', ')}, not ${config.subjects.join(', ')}`);
  if (existing.config.retention !== (config.retention ?? existing.config.retention)) {
    throw new Error(`JetStream stream ${config.name} exists with ${existing.config.retention} retention, not ${config.retention}`);
  }
  const changed = (['max_age', 'max_bytes'] as const).some((k) => config[k] !== undefined && config[k] !== existing.config[k]);
  if (changed) await jsm.streams.update(config.name, { ...existing.config, ...config });
}

export async function managerOf(connection: NatsConnection): Promise<JetStreamManager> {
  try {
    return await jetstreamManager(connection);
  } catch (error) {
    throw new Error(`JetStream is not enabled on the NATS server (start it with nats-server -js): ${(error as Error).message}`);
  }
}

/** True for JetStream's "stream not found" and "consumer not found" errors. */
export function isNotFound(error: unknown): boolean {
  const e = error as { code?: unknown; message?: unknown; api_error?: { err_code?: number } };
  const code = (error as { api_error?: { err_code?: number } }).api_error?.err_code;
  return code === 10059 || code === 10014 || /not found/i.test(String(e.message));
}

/** The server without credentials. */
export function hostOf(server: string): string {
  return server.includes('@') ? server.slice(server.lastIndexOf('@') + 1) : server;
}
