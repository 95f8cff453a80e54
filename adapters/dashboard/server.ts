import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../../application/ports/logger.ts';
import { ASK_TOKEN_PAGE, hasToken, hostNameOf, isLoopbackHost, isSameOriginJson } from './auth.ts';
import type { DashboardSnapshot, DashboardSource, StoredRunSource } from './snapshot.ts';

export interface DashboardServerOptions {
  /** 127.0.0.1 unless given; any other than a loopback address needs `token`. */
  readonly host?: string;
  /** 0: any free port. */
  readonly port: number;
  /** When set, every request must carry it; null: none asked (loopback only). */
  readonly token: string | null;
  /** Snapshots a second on the event stream, at most; 4 when absent. */
  readonly rateHz?: number;
  readonly logger: Logger;
}

export interface DashboardServer {
  /** `http://host:port/`, without the token. */
  readonly url: string;
  close(): Promise<void>;
}

/** A reason longer than this is refused: it is logged and stored with the risk decision. */
const MAX_REASON = 200;
const MAX_BODY = 4096;

const asset = (name: string): string => readFileSync(new URL(`./public/${name}`, import.meta.url), 'utf8');

/**
 * TradingView's lightweight-charts, its standalone build (one script, global `LightweightCharts`),
 * served from the installed package: the page works offline and asks no other site for anything.
 */
function chartLibrary(): string {
  const root = dirname(createRequire(import.meta.url).resolve('lightweight-charts/package.json'));
  return readFileSync(join(root, 'dist', 'lightweight-charts.standalone.production.js'), 'utf8');
}

/**
 * Serves the dashboard of one run. A run under way (a `DashboardSource`): the page (index.html,
 * app.js), the latest snapshot as JSON (GET /api/snapshot), a server-sent event stream of snapshots
 * (GET /api/events) and the kill switch (POST /api/kill with `{"confirm": true, "reason": "…"}`). The
 * stream takes one snapshot an interval, shared by every client, whatever the run's tick rate; a
 * client too slow to take it misses it rather than queue it. A stored run (a `StoredRunSource`),
 * read-only: the page (run.html, run.js) and the run's history (GET /api/run), no stream, no kill
 * switch. Both: style.css, the charts (charts.js and the chart library) and the HTML report of a
 * stored run (GET /report/RUN_ID).
 */
export async function startDashboardServer(source: DashboardSource | StoredRunSource, options: DashboardServerOptions): Promise<DashboardServer> {
  const host = options.host ?? '127.0.0.1';
  const token = options.token;
  if (token === null && !isLoopbackHost(host)) {
    throw new Error(`dashboard host ${host} is reachable from other machines: a token is required (token, LADDER_DASHBOARD_TOKEN)`);
  }
  const rateHz = options.rateHz ?? 4;
  if (!(rateHz > 0 && rateHz <= 50)) throw new Error(`dashboard rateHz ${rateHz} is not in (0, 50]`);
  const live = 'snapshot' in source ? source : null;
  const stored = 'snapshot' in source ? null : source;
  const files = live === null
    ? { index: asset('run.html'), app: asset('run.js'), style: asset('style.css'), charts: asset('charts.js'), library: chartLibrary() }
    : { index: asset('index.html'), app: asset('app.js'), style: asset('style.css'), charts: asset('charts.js'), library: chartLibrary() };
  const stream = live === null ? null : new SnapshotStream(live, 1000 / rateHz);

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      options.logger.error({ error: String(error), path: req.url }, 'dashboard request failed');
      if (!res.headersSent) send(res, 500, 'application/json', JSON.stringify({ error: 'internal error' }));
      else res.end();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://dashboard');
    const path = url.pathname;
    const isPage = path === '/' || path === '/index.html' || path.startsWith('/report/');
    // Without a token only this machine may ask: a page elsewhere whose name was pointed at 127.0.0.1
    // (DNS rebinding) arrives with its own name in Host, and is refused.
    const asked = hostNameOf(req.headers.host);
    if (token === null && (asked === null || !isLoopbackHost(asked))) {
      return send(res, 403, 'application/json', JSON.stringify({ error: `Host ${req.headers.host ?? '(none)'} is not this machine: open the dashboard at 127.0.0.1 or localhost` }));
    }
    if (token !== null && !hasToken(req, url, token)) {
      if (isPage && req.method === 'GET') send(res, 401, 'text/html; charset=utf-8', ASK_TOKEN_PAGE);
      else send(res, 401, 'application/json', JSON.stringify({ error: 'token required' }));
      return;
    }
    // The page asks for its script and style with the token it was opened with.
    const query = token === null ? '' : `?token=${encodeURIComponent(token)}`;
    if (path === '/api/kill') {
      if (live === null) return send(res, 405, 'application/json', JSON.stringify({ error: `run ${source.runId} is stored, not under way: it has no kill switch` }));
      return req.method === 'POST' ? kill(live, req, res) : send(res, 405, 'application/json', JSON.stringify({ error: 'POST only' }));
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'application/json', JSON.stringify({ error: 'method not allowed' }));
    if (path === '/' || path === '/index.html') return send(res, 200, 'text/html; charset=utf-8', files.index.replaceAll('{{query}}', escapeHtml(query)));
    if (path === (live === null ? '/run.js' : '/app.js')) return send(res, 200, 'text/javascript; charset=utf-8', files.app);
    if (path === '/charts.js') return send(res, 200, 'text/javascript; charset=utf-8', files.charts);
    if (path === '/lightweight-charts.js') return send(res, 200, 'text/javascript; charset=utf-8', files.library);
    if (path === '/style.css') return send(res, 200, 'text/css; charset=utf-8', files.style);
    if (stream !== null && path === '/api/snapshot') return send(res, 200, 'application/json', JSON.stringify(stream.latest()));
    if (stream !== null && path === '/api/events') return stream.add(res);
    if (stored !== null && path === '/api/run') return send(res, 200, 'application/json', JSON.stringify(await stored.history()));
    if (path.startsWith('/report/')) {
      const runId = decodeURIComponent(path.slice('/report/'.length));
      const html = /^[\w-]{1,64}$/.test(runId) ? await source.report(runId) : null;
      if (html === null) return send(res, 404, 'application/json', JSON.stringify({ error: `no run ${runId}` }));
      return send(res, 200, 'text/html; charset=utf-8', html);
    }
    send(res, 404, 'application/json', JSON.stringify({ error: `nothing at ${path}` }));
  }

  async function kill(live: DashboardSource, req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!isSameOriginJson(req)) {
      return send(res, 403, 'application/json', JSON.stringify({ error: 'the kill switch takes a JSON request from the dashboard page itself (Content-Type: application/json, same origin)' }));
    }
    const body = await readBody(req);
    let parsed: unknown = null;
    try {
      parsed = body === null ? null : JSON.parse(body);
    } catch {
      parsed = null;
    }
    const { confirm, reason } = (parsed ?? {}) as { confirm?: unknown; reason?: unknown };
    if (confirm !== true || typeof reason !== 'string' || reason.trim() === '' || reason.length > MAX_REASON) {
      return send(res, 400, 'application/json', JSON.stringify({ error: `send {"confirm": true, "reason": "…"} (a reason of 1 to ${MAX_REASON} characters)` }));
    }
    options.logger.warn({ reason, from: req.socket.remoteAddress }, 'kill switch pulled from the dashboard');
    live.kill(`dashboard: ${reason.trim()}`);
    send(res, 200, 'application/json', JSON.stringify({ ok: true }));
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${shown}:${address.port}/`,
    close: async () => {
      stream?.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

/**
 * The snapshots of the event stream: a timer runs while a client listens, takes one snapshot an
 * interval and writes it to every client that has taken the previous one.
 */
class SnapshotStream {
  readonly #clients = new Set<ServerResponse>();
  readonly #busy = new Set<ServerResponse>();
  #timer: ReturnType<typeof setInterval> | null = null;
  #last: DashboardSnapshot | null = null;
  #seq = 0;

  constructor(
    private readonly source: DashboardSource,
    private readonly intervalMs: number,
  ) {}

  /** The snapshot last sent, or a fresh one when the stream is idle (GET /api/snapshot). */
  latest(): DashboardSnapshot {
    return this.#timer !== null && this.#last !== null ? this.#last : this.#take();
  }

  add(res: ServerResponse): void {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    res.write(`retry: 2000\n\n`);
    this.#clients.add(res);
    res.on('close', () => {
      this.#clients.delete(res);
      this.#busy.delete(res);
      if (this.#clients.size === 0 && this.#timer !== null) {
        clearInterval(this.#timer);
        this.#timer = null;
      }
    });
    if (this.#timer === null) {
      this.#timer = setInterval(() => this.#tick(), this.intervalMs);
      this.#tick();
    } else if (this.#last !== null) {
      this.#write(res, this.#last);
    }
  }

  close(): void {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
    for (const res of this.#clients) res.end();
    this.#clients.clear();
  }

  #take(): DashboardSnapshot {
    this.#last = { ...this.source.snapshot(), seq: ++this.#seq };
    return this.#last;
  }

  #tick(): void {
    const snapshot = this.#take();
    for (const res of this.#clients) if (!this.#busy.has(res)) this.#write(res, snapshot);
  }

  #write(res: ServerResponse, snapshot: DashboardSnapshot): void {
    const ok = res.write(`id: ${snapshot.seq}\ndata: ${JSON.stringify(snapshot)}\n\n`);
    if (!ok) {
      this.#busy.add(res);
      res.once('drain', () => this.#busy.delete(res));
    }
  }
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, {
    'content-type': type,
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
  });
  res.end(body);
}

/** The request body as text; null when it passes MAX_BODY bytes. */
async function readBody(req: IncomingMessage): Promise<string | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_BODY) return null;
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
