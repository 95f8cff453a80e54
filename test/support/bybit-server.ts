import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { lotsToQty } from '../../domain/values/instrument.ts';
import type { Lots } from '../../domain/values/units.ts';
import { BookWalk } from './book-walk.ts';
import { btc } from './builders.ts';
import { isBookSnapshot, sortedLevels, stripRecvTime, type Json, type Level } from './frame-text.ts';

export interface BybitTestServerOptions {
  readonly symbol?: string;
  /** Seed of the generated market's random walk. */
  readonly seed?: number;
  /** Levels a side of the generated book. */
  readonly levels?: number;
  /** Best bid of the generated book, in BTCUSDT ticks (0.1). */
  readonly startTicks?: number;
  /** Venue time of the first frame, ms. */
  readonly startMs?: number;
  /** Push a step every `paceMs`; without it the test steps the market with `pushNow`. */
  readonly paceMs?: number;
}

/** A request the server received, in arrival order; `at` is `performance.now()` in ms. */
export interface ReceivedRequest {
  readonly connection: number;
  readonly op: string;
  readonly args: readonly string[];
  readonly reqId: string | null;
  readonly at: number;
}

/** The server's own book: price and size texts as sent, bids best first, asks best first. */
export interface ServerBook {
  readonly u: number;
  readonly seq: number;
  readonly bestBid: string | null;
  readonly bestAsk: string | null;
  readonly bids: readonly (readonly [string, string])[];
  readonly asks: readonly (readonly [string, string])[];
}

interface Connection {
  readonly id: number;
  readonly socket: WebSocket;
  readonly topics: Set<string>;
}

const BOOK_DEPTHS = new Set(['1', '50', '200', '1000']);

/**
 * A Bybit v5 public linear stream on 127.0.0.1 for tests: it answers subscribe, unsubscribe and ping
 * the way Bybit does, keeps its own authoritative L2 book, and streams `orderbook.{depth}.{symbol}`
 * deltas and `publicTrade.{symbol}` frames to subscribed connections. Every (re)subscribe of a book
 * topic is followed by a snapshot of the current book carrying the current `u`.
 *
 * The market is either generated (a seeded random walk of levels and sizes) or replayed from frame
 * texts (`fromFrames`); the test moves it one step at a time with `pushNow`, or sets a pace. Faults
 * are injected on command. Everything sent is kept in `sent`, so a test can compare it with what its
 * client received.
 */
export class BybitTestServer {
  readonly sent: { readonly connection: number; readonly text: string }[] = [];
  readonly requests: ReceivedRequest[] = [];
  /** `performance.now()` of every connection attempt, refused ones included. */
  readonly attempts: number[] = [];
  private readonly connections = new Set<Connection>();
  private readonly symbol: string;
  private readonly bids = new Map<string, string>();
  private readonly asks = new Map<string, string>();
  private readonly walk: BookWalk | null;
  private readonly replay: string[];
  private replayAt = 0;
  /** Added to the `u` of replayed book frames after a `restart()`. */
  private uOffset = 0;
  private u = 0;
  private seq = 0;
  private ms: number;
  private tradeId = 0;
  private nextConnection = 0;
  private readonly refusedTopics = new Map<string, string>();
  private refuseConnectionsLeft = 0;
  private pongs = true;
  private withheldSnapshots = 0;
  private dropLeft = 0;
  private duplicateArmed = false;
  private reorderArmed = false;
  private held: Map<string, string> | null = null;
  private stallTimer: NodeJS.Timeout | null = null;
  private readonly stalledRequests: (() => void)[] = [];
  private paceTimer: NodeJS.Timeout | null = null;

  private constructor(
    private readonly wss: WebSocketServer,
    options: BybitTestServerOptions,
    frames: readonly string[] | null,
  ) {
    this.symbol = options.symbol ?? 'BTCUSDT';
    this.ms = options.startMs ?? 1_700_000_000_000;
    this.seq = 9_000_000_000;
    this.replay = frames === null ? [] : frames.map(stripRecvTime);
    this.walk = frames === null ? new BookWalk(options.seed ?? 1, options.levels ?? 20, options.startTicks ?? 650_000) : null;
    if (this.walk !== null) {
      const { bids, asks } = this.walk.initial();
      this.applyLevels('snapshot', bids, asks);
      this.u = 1;
    } else {
      // Frames up to the first book snapshot are the state the market starts from; they are not sent.
      const first = this.replay.findIndex((t) => isBookSnapshot(t));
      if (first < 0) throw new Error('fromFrames needs an orderbook snapshot among the frames');
      for (; this.replayAt <= first; this.replayAt++) this.applyReplayed(this.replay[this.replayAt]);
    }
    wss.on('connection', (socket: WebSocket) => this.onConnection(socket));
    if (options.paceMs !== undefined) this.setPace(options.paceMs);
  }

  /** A server with a generated market. */
  static start(options: BybitTestServerOptions = {}): Promise<BybitTestServer> {
    return BybitTestServer.listen(options, null);
  }

  /** A server replaying frame texts (optionally prefixed `<µs> ` as the recorder writes them). */
  static fromFrames(texts: readonly string[], options: BybitTestServerOptions = {}): Promise<BybitTestServer> {
    return BybitTestServer.listen(options, texts);
  }

  private static listen(options: BybitTestServerOptions, frames: readonly string[] | null): Promise<BybitTestServer> {
    return new Promise((resolve, reject) => {
      let server: BybitTestServer | null = null;
      const wss = new WebSocketServer({
        host: '127.0.0.1',
        port: 0,
        verifyClient: (_info: { req: IncomingMessage }, done: (ok: boolean, code?: number, message?: string) => void) => {
          server?.attempts.push(performance.now());
          if (server !== null && server.refuseConnectionsLeft > 0) {
            server.refuseConnectionsLeft--;
            done(false, 503, 'Service Unavailable');
          } else done(true);
        },
      });
      wss.once('error', reject);
      wss.once('listening', () => {
        try {
          server = new BybitTestServer(wss, options, frames);
          resolve(server);
        } catch (error) {
          wss.close();
          reject(error instanceof Error ? error : new Error(String(error)));
        }
      });
    });
  }

  get url(): string {
    return `ws://127.0.0.1:${(this.wss.address() as AddressInfo).port}/v5/public/linear`;
  }

  /** Connections currently open. */
  get openConnections(): number {
    return this.connections.size;
  }

  /** A `stall` is under way. */
  get stalling(): boolean {
    return this.stallTimer !== null;
  }

  /** Frames sent to one connection (numbered from 1 in accept order). */
  sentTo(connection: number): string[] {
    return this.sent.filter((s) => s.connection === connection).map((s) => s.text);
  }

  /** Requests of one op, e.g. `ping`. */
  requestsOf(op: string): ReceivedRequest[] {
    return this.requests.filter((r) => r.op === op);
  }

  book(): ServerBook {
    const bids = sortedLevels(this.bids, -1);
    const asks = sortedLevels(this.asks, 1);
    return { u: this.u, seq: this.seq, bestBid: bids[0]?.[0] ?? null, bestAsk: asks[0]?.[0] ?? null, bids, asks };
  }

  // ---- protocol switches -------------------------------------------------------------------

  /** Subscribing `topic` is refused with `message` as `ret_msg`. */
  refuseTopic(topic: string, message = `error:handler not found,topic:${topic}`): void {
    this.refusedTopics.set(topic, message);
  }

  /** Whether pings are answered. */
  answerPings(on: boolean): void {
    this.pongs = on;
  }

  /** The next `n` connection attempts get HTTP 503, as Bybit answers when overloaded. */
  refuseConnections(n: number): void {
    this.refuseConnectionsLeft = n;
  }

  /** The next `n` subscriptions of a book topic are acknowledged but get no snapshot. */
  withholdSnapshots(n: number): void {
    this.withheldSnapshots = n;
  }

  /** Steps the market every `ms`, or stops the pace with null. */
  setPace(ms: number | null): void {
    if (this.paceTimer !== null) clearInterval(this.paceTimer);
    this.paceTimer = ms === null ? null : setInterval(() => this.pushNow(), ms);
  }

  // ---- market steps ------------------------------------------------------------------------

  /**
   * Moves the market `steps` steps: a generated step is one book delta and sometimes a trade frame;
   * a replayed step is the next frame. Returns false once a replay has run out.
   */
  pushNow(steps = 1): boolean {
    for (let k = 0; k < steps; k++) {
      if (this.walk !== null) this.generatedStep(this.walk);
      else if (!this.replayStep()) return false;
    }
    return true;
  }

  private generatedStep(walk: BookWalk): void {
    this.ms += 20;
    this.u++;
    this.seq += 1 + Math.floor(walk.random() * 5);
    const { bids, asks } = walk.step();
    this.applyLevels('delta', bids, asks);
    this.emitDelta((topic) => this.bookText(topic, 'delta', bids, asks));
    if (walk.random() < 0.3) {
      const buy = walk.random() < 0.5;
      const price = (buy ? this.book().bestAsk : this.book().bestBid) ?? '1';
      const trade = { T: this.ms, s: this.symbol, S: buy ? 'Buy' : 'Sell', v: lotsToQty(btc, (1 + Math.floor(walk.random() * 50)) as Lots), p: price, L: 'ZeroPlusTick', i: `trade-${++this.tradeId}`, BT: false };
      const topic = `publicTrade.${this.symbol}`;
      this.publish(topic, JSON.stringify({ topic, type: 'snapshot', ts: this.ms, data: [trade] }));
    }
  }

  private replayStep(): boolean {
    const text = this.replay[this.replayAt++];
    if (text === undefined) return false;
    const frame = this.applyReplayed(text);
    if (frame === null) return true;
    const topic = frame.topic as string;
    if (!topic.startsWith('orderbook.')) this.publish(topic, text);
    else if (frame.type === 'snapshot') this.publishSnapshot();
    else this.emitDelta((t) => (t !== topic ? null : this.uOffset === 0 ? text : JSON.stringify(frame)));
    return true;
  }

  /** Applies a replayed book frame to the book (re-stamping `u` after a restart); returns the frame. */
  private applyReplayed(text: string): Json | null {
    const frame = JSON.parse(text) as Json;
    if (typeof frame.topic !== 'string') return null;
    const data = frame.data as Json;
    if (frame.topic.startsWith('orderbook.')) {
      data.u = (data.u as number) + this.uOffset;
      this.u = data.u as number;
      this.seq = data.seq as number;
      this.ms = frame.ts as number;
      this.applyLevels(frame.type as 'snapshot' | 'delta', data.b as Level[], data.a as Level[]);
    }
    return frame;
  }

  // ---- faults ------------------------------------------------------------------------------

  /** The next `n` book deltas move the book and `u` but are not sent. */
  dropNext(n: number): void {
    this.dropLeft += n;
  }

  /** The next book delta is sent twice. */
  duplicateNext(): void {
    this.duplicateArmed = true;
  }

  /** The next two book deltas are sent in swapped order. */
  reorderNext(): void {
    this.reorderArmed = true;
  }

  /**
   * For `ms` nothing is sent: market frames are lost (the book keeps moving), requests wait and are
   * answered when the stall ends.
   */
  stall(ms: number): void {
    if (this.stallTimer !== null) clearTimeout(this.stallTimer);
    this.stallTimer = setTimeout(() => {
      this.stallTimer = null;
      for (const handle of this.stalledRequests.splice(0)) handle();
    }, ms);
  }

  /** Cuts every connection at once, without a closing handshake. */
  closeSocket(): void {
    for (const c of this.connections) c.socket.terminate();
  }

  sendGarbage(text: string): void {
    for (const c of this.connections) this.send(c, text);
  }

  /**
   * Behaves like a restart of Bybit's book service: `u` starts again at 1 with a snapshot pushed to
   * every book subscriber, and the next deltas count on from there.
   */
  restart(): void {
    // A replay's later frames are re-stamped so that they count on from 1.
    if (this.walk === null) this.uOffset += 1 - this.u;
    this.u = 1;
    this.publishSnapshot();
  }

  async close(): Promise<void> {
    this.setPace(null);
    if (this.stallTimer !== null) clearTimeout(this.stallTimer);
    this.stallTimer = null;
    for (const c of this.connections) c.socket.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  // ---- internals ---------------------------------------------------------------------------

  private onConnection(socket: WebSocket): void {
    const connection: Connection = { id: ++this.nextConnection, socket, topics: new Set() };
    this.connections.add(connection);
    socket.on('message', (data: Buffer) => {
      const handle = (): void => this.onRequest(connection, data.toString());
      if (this.stallTimer !== null) this.stalledRequests.push(handle);
      else handle();
    });
    socket.on('close', () => this.connections.delete(connection));
    socket.on('error', () => this.connections.delete(connection));
  }

  private onRequest(c: Connection, text: string): void {
    let request: Json;
    try {
      request = JSON.parse(text) as Json;
    } catch {
      this.reply(c, { success: false, ret_msg: 'error:request not json', op: '' }, null);
      return;
    }
    const op = typeof request.op === 'string' ? request.op : '';
    const reqId = typeof request.req_id === 'string' ? request.req_id : null;
    const args = Array.isArray(request.args) ? request.args.filter((a): a is string => typeof a === 'string') : [];
    this.requests.push({ connection: c.id, op, args, reqId, at: performance.now() });
    switch (op) {
      case 'ping':
        if (this.pongs) this.reply(c, { success: true, ret_msg: 'pong', op }, reqId);
        return;
      case 'subscribe':
        this.subscribe(c, args, reqId);
        return;
      case 'unsubscribe':
        for (const topic of args) c.topics.delete(topic);
        this.reply(c, { success: true, ret_msg: '', op }, reqId);
        return;
      default:
        this.reply(c, { success: false, ret_msg: `error:unknown op ${op}`, op }, reqId);
    }
  }

  /**
   * Subscribes every acceptable topic of the request; if any is refused the ack says
   * `success: false` with the refusals in `ret_msg`. Each new book topic then gets a snapshot.
   */
  private subscribe(c: Connection, topics: readonly string[], reqId: string | null): void {
    const refusals: string[] = [];
    const added: string[] = [];
    for (const topic of topics) {
      const refusal = this.refusedTopics.get(topic) ?? this.unknownTopic(topic);
      if (refusal !== null) refusals.push(refusal);
      else if (c.topics.has(topic)) refusals.push(`error:already subscribed,topic:${topic}`);
      else {
        c.topics.add(topic);
        added.push(topic);
      }
    }
    this.reply(c, { success: refusals.length === 0, ret_msg: refusals.join(';'), op: 'subscribe' }, reqId);
    for (const topic of added) {
      if (!topic.startsWith('orderbook.')) continue;
      if (this.withheldSnapshots > 0) this.withheldSnapshots--;
      else this.send(c, this.snapshotText(topic));
    }
  }

  private unknownTopic(topic: string): string | null {
    const [family, a, b] = topic.split('.');
    const ok =
      (family === 'orderbook' && BOOK_DEPTHS.has(a ?? '') && b === this.symbol) ||
      ((family === 'publicTrade' || family === 'tickers') && a === this.symbol && b === undefined);
    return ok ? null : `error:handler not found,topic:${topic}`;
  }

  private reply(c: Connection, body: Json, reqId: string | null): void {
    const head = reqId === null ? {} : { req_id: reqId };
    this.send(c, JSON.stringify({ success: body.success, ret_msg: body.ret_msg, conn_id: `test-conn-${c.id}`, ...head, op: body.op }));
  }

  private send(c: Connection, text: string): void {
    if (c.socket.readyState !== WebSocket.OPEN) return;
    c.socket.send(text);
    this.sent.push({ connection: c.id, text });
  }

  private publish(topic: string, text: string): void {
    if (this.stallTimer !== null) return;
    for (const c of this.connections) if (c.topics.has(topic)) this.send(c, text);
  }

  private publishSnapshot(): void {
    if (this.stallTimer !== null) return;
    for (const c of this.connections) for (const t of c.topics) if (t.startsWith('orderbook.')) this.send(c, this.snapshotText(t));
  }

  /** Sends one book delta through the faults; `textFor` renders it for a subscribed book topic. */
  private emitDelta(textFor: (topic: string) => string | null): void {
    if (this.dropLeft > 0) {
      this.dropLeft--;
      return;
    }
    if (this.stallTimer !== null) return;
    const texts = new Map<string, string>();
    for (const c of this.connections) {
      for (const t of c.topics) {
        const text = t.startsWith('orderbook.') && !texts.has(t) ? textFor(t) : null;
        if (text !== null) texts.set(t, text);
      }
    }
    if (this.reorderArmed) {
      this.reorderArmed = false;
      this.held = texts;
      return;
    }
    this.deliver(texts);
    if (this.held !== null) this.deliver(this.held);
    this.held = null;
    if (this.duplicateArmed) this.deliver(texts);
    this.duplicateArmed = false;
  }

  private deliver(texts: Map<string, string>): void {
    for (const c of this.connections) {
      for (const t of c.topics) {
        const text = texts.get(t);
        if (text !== undefined) this.send(c, text);
      }
    }
  }

  private snapshotText(topic: string): string {
    const depth = Number(topic.split('.')[1]);
    const book = this.book();
    return this.bookText(topic, 'snapshot', book.bids.slice(0, depth), book.asks.slice(0, depth));
  }

  private bookText(topic: string, type: 'snapshot' | 'delta', b: readonly (readonly [string, string])[], a: readonly (readonly [string, string])[]): string {
    return JSON.stringify({ topic, type, ts: this.ms, data: { s: this.symbol, b, a, u: this.u, seq: this.seq }, cts: this.ms - 1 });
  }

  private applyLevels(type: 'snapshot' | 'delta', bids: readonly Level[], asks: readonly Level[]): void {
    if (type === 'snapshot') {
      this.bids.clear();
      this.asks.clear();
    }
    for (const [p, s] of bids) if (Number(s) === 0) this.bids.delete(p); else this.bids.set(p, s);
    for (const [p, s] of asks) if (Number(s) === 0) this.asks.delete(p); else this.asks.set(p, s);
  }
}
