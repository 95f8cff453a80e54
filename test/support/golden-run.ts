import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { paperConfig, type PaperConfig } from '../../composition/config.ts';
import { configForInputs, replayInputs } from '../../composition/inputs.ts';
import { runPaper } from '../../composition/paper.ts';
import type { TradingStore } from '../../application/ports/trading-store.ts';
import { silentLogger } from '../../application/ports/logger.ts';

/*
 * The golden run: a short synthetic backtest (seed 7, 10 minutes of market, the default model, the
 * smart policy) whose decisions, orders and fills are kept in test/fixtures/golden-run.jsonl. Every
 * change made for speed or memory must leave them exactly as they were; test/integration/golden-run
 * .int.test.ts compares. Regenerate only for a change that is meant to alter trading, and say so:
 *   node --import tsx test/support/golden-run.ts
 */

export const GOLDEN_FILE = fileURLToPath(new URL('../fixtures/golden-run.jsonl', import.meta.url));

/** The backtest's flags, as `ladder backtest --source synthetic --seed 7 --duration 10m` sets them. */
const FLAGS = { source: 'synthetic', seed: '7', duration: '10m', speed: 'max', db: 'pglite:memory', 'log-level': 'silent', policy: 'smart' } as const;

/**
 * Runs the golden backtest and returns its ledger as lines of JSON: every acted-upon or refused
 * signal (the decisions), every order event with the state it left, every order's final state, every
 * fill. The order ids lose the run's prefix; the simulator's ids are the same from run to run.
 */
export async function goldenLines(): Promise<string[]> {
  return ledgerOf({ ...paperConfig(FLAGS, {}), storeMarketData: false });
}

/**
 * The same ledger from a backtest of `file`, a recording of the golden run's market (`ladder synth
 * --seed 7 --duration 10m`): the file replay's path (line reader, decoder) in place of the source's.
 */
export async function goldenFileLines(file: string): Promise<string[]> {
  const { source: _source, seed: _seed, duration: _duration, ...flags } = FLAGS;
  const given = { ...paperConfig({ ...flags, input: file }, {}), storeMarketData: false };
  return ledgerOf(configForInputs(given, replayInputs([file]), {}));
}

async function ledgerOf(config: PaperConfig): Promise<string[]> {
  let lines: string[] = [];
  await runPaper(config, {
    logger: silentLogger,
    env: {},
    mode: 'backtest',
    afterRun: async (store, runId) => {
      lines = await ledgerLines(store, runId);
    },
  });
  return lines;
}

async function ledgerLines(store: TradingStore, runId: string): Promise<string[]> {
  const id = (orderId: string): string => orderId.slice(orderId.lastIndexOf('-') + 1);
  const lines: string[] = [];
  for (const s of await store.readSignals(runId)) {
    const { ts, score, confidence } = s.signal;
    lines.push(JSON.stringify({ signal: s.seq, ts, score, confidence, mid: s.midTicks, acted: s.acted }));
  }
  for (const e of await store.readOrderEvents(runId)) {
    lines.push(JSON.stringify({ event: id(e.orderId), seq: e.seq, ...e.event, status: e.status, filled: e.filledQty }));
  }
  for (const o of await store.readOrders(runId)) {
    lines.push(JSON.stringify({
      order: id(o.id), venueId: o.venueOrderId, side: o.side, type: o.type, qty: o.qty, price: o.limitPrice, reduceOnly: o.reduceOnly, status: o.status, filled: o.filledQty,
      createdAt: o.createdAt, updatedAt: o.updatedAt, reason: o.reason,
    }));
  }
  for (const f of await store.readFills(runId)) {
    const { orderId, symbol: _symbol, ...fill } = f.fill;
    lines.push(JSON.stringify({ fill: id(orderId), ...fill, arrivalMid: f.arrivalMidTicks }));
  }
  return lines;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const lines = await goldenLines();
  writeFileSync(GOLDEN_FILE, `${lines.join('\n')}\n`);
  console.log(`${GOLDEN_FILE}: ${lines.length} lines`);
}
