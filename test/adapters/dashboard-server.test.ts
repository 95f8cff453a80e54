import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { startDashboardServer, type DashboardServer } from '../../adapters/dashboard/server.ts';
import type { DashboardSnapshot, DashboardSource } from '../../adapters/dashboard/snapshot.ts';
import { silentLogger } from '../../application/ports/logger.ts';

/** A run that changes at every call, as a run ticking far faster than the stream does. */
class FakeSource implements DashboardSource {
  readonly runId = 'run-1';
  calls = 0;
  kills: string[] = [];
  snapshot(): Omit<DashboardSnapshot, 'seq'> {
    this.calls++;
    return {
      runId: this.runId, symbol: 'BTCUSDT', priceDecimals: 2, qtyDecimals: 3, at: this.calls * 1000, equity: [], capital: 10_000,
      position: { qty: 0, avgEntry: null, mark: null, realizedPnl: 0, unrealizedPnl: 0, fees: 0, netPnl: 0, exposure: 0, exposureShare: 0 },
      openOrders: [], fills: [], fillCount: this.calls, signals: [], mids: [], depth: { bids: [], asks: [] },
      feed: { state: 'LIVE', latencyP50Ms: null, latencyP99Ms: null, frames: this.calls, gaps: 0, resyncs: 0, stalePeriods: 0 },
      feedQuality: { last: 100, lowest: 100, minutes: 1, tripped: false, floor: 60, recent: [{ t: 0, score: 100 }] },
      writer: { queued: 0, lagMs: 0, spilled: 0, written: 0, writeErrors: 0 },
      model: { id: 'm', schemaId: 's', threshold: 0.5 },
      risk: { state: 'ACTIVE', cause: null, reason: null },
    };
  }
  kill(reason: string): void {
    this.kills.push(reason);
  }
  report(runId: string): Promise<string | null> {
    return Promise.resolve(runId === this.runId ? '<!doctype html><title>report</title>' : null);
  }
}

let server: DashboardServer | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
});

interface Reply {
  readonly status: number;
  readonly type: string;
  readonly body: string;
}

async function call(path: string, init: { method?: string; body?: string; headers?: Record<string, string> } = {}): Promise<Reply> {
  const res = await fetch(new URL(path, server!.url), init);
  return { status: res.status, type: res.headers.get('content-type') ?? '', body: await res.text() };
}

/** A GET with the headers given as they are (fetch sets Host itself); the events stream is cut after its headers. */
function rawRequest(path: string, headers: Record<string, string>): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, server!.url), { headers }, (res) => {
      let body = '';
      const type = String(res.headers['content-type'] ?? '');
      if (type.startsWith('text/event-stream')) {
        req.destroy();
        return resolve({ status: res.statusCode ?? 0, type, body });
      }
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Reads `n` events from the stream, then hangs up; each event's data parsed. */
function readEvents(path: string, n: number): Promise<DashboardSnapshot[]> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, server!.url), (res) => {
      let buffer = '';
      const events: DashboardSnapshot[] = [];
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = block.split('\n').find((l) => l.startsWith('data: '));
          if (data !== undefined) events.push(JSON.parse(data.slice(6)));
          if (events.length === n) {
            req.destroy();
            resolve(events);
            return;
          }
        }
      });
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the dashboard server', () => {
  it('serves the page, its script and style, and 404s anything else', async () => {
    const source = new FakeSource();
    server = await startDashboardServer(source, { port: 0, token: null, logger: silentLogger });
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const page = await call('/');
    expect(page).toMatchObject({ status: 200, type: 'text/html; charset=utf-8' });
    expect(page.body).toContain('src="app.js"');
    expect((await call('/app.js')).type).toBe('text/javascript; charset=utf-8');
    expect((await call('/style.css')).type).toBe('text/css; charset=utf-8');
    expect((await call('/nothing')).status).toBe(404);
    expect((await call('/report/other-run')).status).toBe(404);
    expect((await call('/report/..%2F..%2Fetc')).status).toBe(404);
    expect(await call('/report/run-1')).toMatchObject({ status: 200, body: '<!doctype html><title>report</title>' });
    expect((await call('/api/snapshot', { method: 'DELETE' })).status).toBe(405);
    const snapshot = JSON.parse((await call('/api/snapshot')).body) as DashboardSnapshot;
    expect(snapshot).toMatchObject({ runId: 'run-1', seq: 1, symbol: 'BTCUSDT' });
  });

  it('sends at most one snapshot an interval, one for every client, however fast the run changes', async () => {
    const source = new FakeSource();
    server = await startDashboardServer(source, { port: 0, token: null, rateHz: 20, logger: silentLogger });
    const [a, b, c] = await Promise.all([readEvents('/api/events', 6), readEvents('/api/events', 6), readEvents('/api/events', 6)]);
    // Three clients share the snapshots: no more are taken than one client needs (plus the one a
    // client that joined late was sent again, and one taken while the last client hangs up).
    expect(source.calls).toBeLessThanOrEqual(8);
    for (const events of [a, b, c]) {
      const seqs = events.map((e) => e.seq);
      expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
      expect(new Set(seqs).size).toBe(seqs.length);
      // Each snapshot is taken an interval (50 ms) after the one before it on the run's clock of the fake.
      for (let k = 1; k < events.length; k++) expect(events[k].at).toBeGreaterThan(events[k - 1].at);
    }
    // The same snapshot (same seq) carries the same figures to every client.
    const shared = a.find((e) => b.some((f) => f.seq === e.seq));
    expect(shared).toBeDefined();
    expect(b.find((f) => f.seq === shared!.seq)).toEqual(shared);
  });

  it('pulls the kill switch only on a confirmed request with a reason', async () => {
    const source = new FakeSource();
    server = await startDashboardServer(source, { port: 0, token: null, logger: silentLogger });
    const post = (body: unknown): Promise<Reply> => call('/api/kill', { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
    expect((await post({ reason: 'no confirm' })).status).toBe(400);
    expect((await post({ confirm: 'yes', reason: 'x' })).status).toBe(400);
    expect((await post({ confirm: true })).status).toBe(400);
    expect((await post({ confirm: true, reason: 'x'.repeat(201) })).status).toBe(400);
    expect((await call('/api/kill', { method: 'POST', body: '{not json', headers: { 'content-type': 'application/json' } })).status).toBe(400);
    expect((await call('/api/kill')).status).toBe(405);
    expect(source.kills).toEqual([]);
    expect(await post({ confirm: true, reason: 'feed looks wrong' })).toMatchObject({ status: 200 });
    expect(source.kills).toEqual(['dashboard: feed looks wrong']);
  });

  it('without a token, answers only requests that name this machine in Host (no DNS rebinding)', async () => {
    server = await startDashboardServer(new FakeSource(), { port: 0, token: null, logger: silentLogger });
    const port = new URL(server.url).port;
    for (const host of [`evil.example:${port}`, `192.168.1.20:${port}`, `localhost.evil.example:${port}`]) {
      for (const path of ['/', '/api/snapshot', '/api/events']) {
        const reply = await rawRequest(path, { host });
        expect(reply.status, `${host}${path}`).toBe(403);
        expect(reply.body).toContain(host);
      }
    }
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]) {
      expect((await rawRequest('/api/snapshot', { host })).status, host).toBe(200);
    }
  });

  it('pulls the kill switch only for JSON from its own origin, so another site cannot post to it', async () => {
    const source = new FakeSource();
    server = await startDashboardServer(source, { port: 0, token: null, logger: silentLogger });
    const body = JSON.stringify({ confirm: true, reason: 'x' });
    const own = new URL(server.url).origin;
    // A form or a no-cors fetch of another page can send text/plain without a preflight.
    expect((await call('/api/kill', { method: 'POST', body, headers: { 'content-type': 'text/plain' } })).status).toBe(403);
    expect((await call('/api/kill', { method: 'POST', body })).status).toBe(403);
    expect((await call('/api/kill', { method: 'POST', body, headers: { 'content-type': 'application/json', origin: 'http://evil.example' } })).status).toBe(403);
    expect(source.kills).toEqual([]);
    expect((await call('/api/kill', { method: 'POST', body, headers: { 'content-type': 'application/json; charset=utf-8', origin: own } })).status).toBe(200);
    expect(source.kills).toEqual(['dashboard: x']);
  });

  it('refuses to listen beyond loopback without a token, naming it', async () => {
    await expect(startDashboardServer(new FakeSource(), { host: '0.0.0.0', port: 0, token: null, logger: silentLogger })).rejects.toThrow(/token/);
  });

  it('with a token, answers 401 to every request without it and serves those with it', async () => {
    const source = new FakeSource();
    const token = 'a-token-of-twenty-chars';
    server = await startDashboardServer(source, { host: '0.0.0.0', port: 0, token, logger: silentLogger });
    for (const path of ['/', '/app.js', '/style.css', '/api/snapshot', '/api/events', '/report/run-1', '/nothing']) {
      expect((await call(path)).status, path).toBe(401);
      expect((await call(`${path}?token=wrong-token-of-twenty`)).status, path).toBe(401);
    }
    // A browser without the token gets the page that asks for it.
    expect((await call('/')).body).toContain('LADDER_DASHBOARD_TOKEN');
    expect((await call('/api/kill', { method: 'POST', body: JSON.stringify({ confirm: true, reason: 'x' }) })).status).toBe(401);
    expect(source.kills).toEqual([]);
    const bearer = { authorization: `Bearer ${token}` };
    expect((await call('/api/snapshot', { headers: bearer })).status).toBe(200);
    const page = await call(`/?token=${token}`);
    expect(page.status).toBe(200);
    // The page asks for its script with the token it was opened with.
    expect(page.body).toContain(`src="app.js?token=${token}"`);
    expect((await call(`/app.js?token=${token}`)).status).toBe(200);
    expect((await readEvents(`/api/events?token=${token}`, 1))[0].runId).toBe('run-1');
    const json = { ...bearer, 'content-type': 'application/json' };
    expect((await call('/api/kill', { method: 'POST', headers: json, body: JSON.stringify({ confirm: true, reason: 'x' }) })).status).toBe(200);
    expect(source.kills).toEqual(['dashboard: x']);
  });
});
