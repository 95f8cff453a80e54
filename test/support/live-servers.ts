import { BybitTestServer } from './bybit-server.ts';
import { BybitV5Server } from './bybit-v5-server.ts';

/**
 * What app:live talks to in a test: Bybit's public stream (a random walk from `startTicks`, 20 levels,
 * seed 3) and a local Bybit v5 exchange with the keys given, whose own book sits around the public one
 * and is deep enough that escalated orders fill.
 */
export async function startLiveRig(keys: { readonly BYBIT_API_KEY: string; readonly BYBIT_API_SECRET: string }, startTicks: number): Promise<{ publicStream: BybitTestServer; exchange: BybitV5Server }> {
  const publicStream = await BybitTestServer.start({ seed: 3, levels: 20, startTicks, paceMs: 5 });
  const exchange = await BybitV5Server.start({ apiKey: keys.BYBIT_API_KEY, apiSecret: keys.BYBIT_API_SECRET });
  exchange.setBook(
    Array.from({ length: 20 }, (_, i) => [startTicks - 200 - i * 10, 50_000] as const),
    Array.from({ length: 20 }, (_, i) => [startTicks + 200 + i * 10, 50_000] as const),
  );
  return { publicStream, exchange };
}
