import { Socket } from 'node:net';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';

export const NATS_SERVER = process.env.NATS_TEST_SERVER ?? '127.0.0.1:4222';

/** Whether a NATS server with JetStream answers at `server` within `timeoutMs`. */
export async function natsAnswers(server = NATS_SERVER, timeoutMs = 2000): Promise<boolean> {
  const [host, port] = server.split(':');
  const open = await new Promise<boolean>((resolve) => {
    const socket = new Socket();
    socket.setTimeout(timeoutMs);
    const done = (answer: boolean): void => {
      socket.destroy();
      resolve(answer);
    };
    socket.once('connect', () => done(true)).once('error', () => done(false)).once('timeout', () => done(false));
    socket.connect(Number(port), host);
  });
  if (!open) return false;
  try {
    const nc = await connect({ servers: server, timeout: timeoutMs });
    try {
      await jetstreamManager(nc);
      return true;
    } finally {
      await nc.close();
    }
  } catch {
    return false;
  }
}

/** A stream name no other test or run uses. */
export function uniqueStream(prefix: string): string {
  return `${prefix}_${process.pid}_${Math.floor(Math.random() * 1e9)}`;
}

/** A management connection for a test: look into streams and consumers, delete them afterwards. */
export async function natsAdmin(server = NATS_SERVER): Promise<{ nc: NatsConnection; jsm: JetStreamManager; drop: (...streams: string[]) => Promise<void> }> {
  const nc = await connect({ servers: server });
  const jsm = await jetstreamManager(nc);
  return {
    nc,
    jsm,
    drop: async (...streams: string[]) => {
      for (const s of streams) await jsm.streams.delete(s).catch(() => false);
      await nc.close();
    },
  };
}
