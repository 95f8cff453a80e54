import { afterEach, describe, expect, it } from 'vitest';
import { BybitWsClient, type BybitWsClientOptions, type WsClientListener, type WsStatus } from '../../adapters/bybit/ws-client.ts';
import { silentLogger } from '../../application/ports/logger.ts';
import type { Micros } from '../../domain/values/units.ts';
import { BybitTestServer } from '../support/bybit-server.ts';
import { runAlone } from '../support/run-alone.ts';
import { eventually } from '../support/builders.ts';
import { StepClock } from '../support/fakes.ts';

const BOOK = 'orderbook.50.BTCUSDT';
const TRADES = 'publicTrade.BTCUSDT';

class Recorder implements WsClientListener {
  frames: { text: string; recvTime: Micros }[] = [];
  statuses: WsStatus[] = [];
  onFrame(text: string, recvTime: Micros): void {
    this.frames.push({ text, recvTime });
  }
  onStatus(status: WsStatus): void {
    this.statuses.push(status);
  }
  kinds(): string[] {
    return this.statuses.map((s) => s.kind);
  }
  count(kind: WsStatus['kind']): number {
    return this.statuses.filter((s) => s.kind === kind).length;
  }
  snapshots(): number {
    return this.frames.filter((f) => f.text.includes('"type":"snapshot"') && f.text.includes(BOOK)).length;
  }
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function connect(options: Partial<BybitWsClientOptions> = {}, prepare?: (s: BybitTestServer) => void) {
  const server = await BybitTestServer.start({ seed: 3 });
  cleanups.push(() => server.close());
  prepare?.(server);
  const recorder = new Recorder();
  const client = new BybitWsClient(
    { url: server.url, topics: [BOOK, TRADES], clock: new StepClock(), logger: silentLogger, ...options },
    recorder,
  );
  cleanups.push(() => client.close());
  client.start();
  return { server, client, recorder };
}

const runInProcess = (body: string) => runAlone({ 'adapters/bybit/ws-client.ts': ['BybitWsClient'] }, body);

describe('BybitWsClient against a Bybit-protocol server on 127.0.0.1', () => {
  it('subscribes one topic a request, checks each ack by req_id and then reports subscribed', async () => {
    const { server, recorder } = await connect();
    await eventually(() => recorder.count('subscribed') === 1);
    expect(recorder.kinds()).toEqual(['connected', 'subscribed']);
    const subs = server.requestsOf('subscribe');
    expect(subs.map((r) => r.args)).toEqual([[BOOK], [TRADES]]);
    expect(new Set(subs.map((r) => r.reqId)).size).toBe(2);
    // The acks and the snapshot reach the listener as received, stamped by the clock in order.
    await eventually(() => recorder.snapshots() === 1);
    const acks = recorder.frames.filter((f) => f.text.includes('"op":"subscribe"'));
    expect(acks.map((f) => (JSON.parse(f.text) as { req_id: string }).req_id)).toEqual(subs.map((r) => r.reqId));
    const times = recorder.frames.map((f) => f.recvTime);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(new Set(times).size).toBe(times.length);
  });

  it('reports a refused subscription with the venue message and keeps the connection', async () => {
    const { server, recorder } = await connect({ pingIntervalMs: 30 }, (s) => s.refuseTopic(TRADES));
    await eventually(() => recorder.count('subscribe_failed') === 1);
    expect(recorder.statuses.find((s) => s.kind === 'subscribe_failed')).toEqual({
      kind: 'subscribe_failed',
      topics: [TRADES],
      message: `error:handler not found,topic:${TRADES}`,
    });
    await eventually(() => server.requestsOf('ping').length >= 3);
    expect(recorder.count('subscribed')).toBe(0);
    expect(recorder.count('disconnected')).toBe(0);
  });

  it('sends a ping op at the interval and stays connected while pongs come back', async () => {
    const { server, recorder } = await connect({ pingIntervalMs: 50, pongTimeoutMs: 40 });
    await eventually(() => server.requestsOf('ping').length >= 6);
    const pings = server.requestsOf('ping');
    // Never sooner than the interval: the k-th ping leaves at least k intervals after the socket
    // opened, which is after the server saw the connection attempt. Measured from there and not
    // ping to ping, a ping that reaches the server late (a loaded machine) cannot make the next one
    // look early; the 10 ms is the event loop's clock, read once at the start of its turn.
    const opened = server.attempts[0];
    pings.forEach((p, k) => expect(p.at - opened).toBeGreaterThanOrEqual((k + 1) * 50 - 10));
    expect(pings.every((p) => p.reqId !== null && p.args.length === 0)).toBe(true);
    expect(recorder.frames.filter((f) => f.text.includes('"ret_msg":"pong"')).length).toBeGreaterThanOrEqual(5);
    expect(recorder.count('disconnected')).toBe(0);
  });

  it('judges the socket dead when a pong does not come in time, then reconnects and resubscribes', async () => {
    const { server, recorder } = await connect({ pingIntervalMs: 50, pongTimeoutMs: 100, backoff: { initialMs: 20, maxMs: 20 } });
    await eventually(() => recorder.count('subscribed') === 1);
    const silentFrom = performance.now();
    server.answerPings(false);
    await eventually(() => recorder.count('disconnected') === 1);
    expect(performance.now() - silentFrom).toBeGreaterThanOrEqual(100);
    expect(recorder.statuses.find((s) => s.kind === 'disconnected')).toMatchObject({ reason: 'no pong within 100 ms' });
    server.answerPings(true);
    await eventually(() => recorder.count('subscribed') === 2);
    expect(server.requests.filter((r) => r.connection === 2 && r.op === 'subscribe').map((r) => r.args)).toEqual([[BOOK], [TRADES]]);
    await eventually(() => recorder.snapshots() === 2);
  });

  it('judges the socket dead when a subscription is not acknowledged in time', async () => {
    const { server, recorder } = await connect({ pongTimeoutMs: 100, backoff: { initialMs: 20, maxMs: 20 } }, (s) => s.stall(300));
    await eventually(() => recorder.count('disconnected') >= 1);
    expect(recorder.statuses[0]).toEqual({ kind: 'connected', url: server.url });
    expect(recorder.statuses.find((s) => s.kind === 'disconnected')).toMatchObject({ reason: 'no subscribe acknowledgement within 100 ms' });
    await eventually(() => recorder.count('subscribed') === 1);
  });

  it('reconnects after an abrupt close with capped exponential delays and full jitter, then gets a fresh snapshot', async () => {
    const draws = [0.9, 0.5, 0.99, 0.3, 0.7];
    let n = 0;
    const random = (): number => draws[n++ % draws.length];
    const backoff = { initialMs: 40, maxMs: 100 };
    const { server, recorder } = await connect({ backoff, random });
    await eventually(() => recorder.snapshots() === 1);
    server.refuseConnections(3);
    const cutAt = performance.now();
    server.closeSocket();
    await eventually(() => recorder.count('subscribed') === 2);

    // Attempt k waits floor(r_k * min(max, initial * 2^k)): 36, 40, 99 (capped at 100), 30.
    const expected = draws.slice(0, 4).map((r, k) => Math.floor(r * Math.min(backoff.maxMs, backoff.initialMs * 2 ** k)));
    const lost = recorder.statuses.filter((s) => s.kind === 'disconnected');
    expect(lost.map((s) => s.retryInMs)).toEqual(expected);
    expect(lost[0].reason).toMatch(/^socket closed \(code 1006/);
    expect(lost.slice(1).every((s) => s.reason.includes('503'))).toBe(true);
    // Each attempt started no earlier than its delay after the previous failure.
    const starts = [cutAt, ...server.attempts.slice(1)];
    for (let k = 0; k < expected.length; k++) expect(starts[k + 1] - starts[k]).toBeGreaterThanOrEqual(expected[k] - 1);
    expect(server.requests.filter((r) => r.connection === 2 && r.op === 'subscribe').map((r) => r.args)).toEqual([[BOOK], [TRADES]]);
    await eventually(() => recorder.snapshots() === 2);

    // Answered subscriptions restart the schedule: the next loss waits a first-step delay again.
    server.closeSocket();
    await eventually(() => recorder.count('disconnected') === 5);
    expect(recorder.statuses.filter((s) => s.kind === 'disconnected').at(-1)!.retryInMs).toBe(Math.floor(draws[4] * 40));
  });

  it('resubscribes a topic as unsubscribe then subscribe, which brings a fresh snapshot', async () => {
    const { server, client, recorder } = await connect();
    await eventually(() => recorder.snapshots() === 1 && recorder.count('subscribed') === 1);
    expect(client.resubscribe(BOOK)).toBe(true);
    await eventually(() => recorder.snapshots() === 2);
    expect(server.requests.slice(-2).map((r) => [r.op, r.args])).toEqual([['unsubscribe', [BOOK]], ['subscribe', [BOOK]]]);
    expect(recorder.kinds()).toEqual(['connected', 'subscribed', 'resubscribed']);
    expect(() => client.resubscribe('orderbook.1.ETHUSDT')).toThrow(/never subscribed/);
  });

  it('sends nothing for a resubscribe while the socket is down', async () => {
    const { server, client, recorder } = await connect({ backoff: { initialMs: 60_000, maxMs: 60_000 }, random: () => 0.5 });
    await eventually(() => recorder.count('subscribed') === 1);
    server.closeSocket();
    await eventually(() => recorder.count('disconnected') === 1);
    const before = server.requests.length;
    expect(client.resubscribe(BOOK)).toBe(false);
    expect(client.isOpen).toBe(false);
    expect(server.requests.length).toBe(before);
  });

  it('clears every timer on close, connected or waiting to reconnect: a process running it exits by itself', async () => {
    const run = await runInProcess(`
      const listener = { statuses: [], onFrame() {}, onStatus(s) { this.statuses.push(s.kind); } };
      const options = { url: server.url, topics: ['${BOOK}'], clock: new SystemClock(), logger: silentLogger,
        pingIntervalMs: 20, pongTimeoutMs: 60000, backoff: { initialMs: 60000, maxMs: 60000 } };
      // Connected, with pings unanswered: the ping interval and the reply deadline are running.
      server.answerPings(false);
      const connected = new BybitWsClient(options, listener);
      connected.start();
      await eventually(() => server.requestsOf('ping').length >= 3);
      await connected.close();
      // Waiting a minute to reconnect.
      const waiting = new BybitWsClient(options, listener);
      waiting.start();
      await eventually(() => server.openConnections === 1);
      server.closeSocket();
      await eventually(() => listener.statuses.includes('disconnected'));
      await waiting.close();
      await server.close();
    `);
    expect(run.out).toContain('closed');
    expect(run.code).toBe(0);
    expect(run.lingerMs).toBeLessThan(1000);
  });
});
