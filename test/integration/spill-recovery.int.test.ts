import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStore } from '../../adapters/postgres/connect.ts';
import { FileSpillLog } from '../../adapters/spill/file-spill.ts';
import { BatchedWriter } from '../../application/batched-writer.ts';
import { BTCUSDT_SPEC } from '../../domain/values/instrument.ts';
import type { Micros } from '../../domain/values/units.ts';
import { RecordingLogger } from '../support/fakes.ts';
import { freshDatabase, postgresAnswers } from '../support/postgres.ts';
import { TcpProxy } from '../support/tcp-proxy.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const T0 = 1_718_000_000_000_000;
const up = await postgresAnswers();
if (!up) console.warn('spill-recovery: no Postgres server on 127.0.0.1:5432; skipped');

/**
 * A process that opens the store through the proxy, says `ready`, and on `go` (the proxy is cut by
 * then) pushes 1,000 signals and 1,000 feature vectors in bursts; once 1,500 rows are in the spill
 * file it says `spilled N` and waits to be killed.
 */
const child = (url: string, spillPath: string): string => `
  import { createStore } from '${root}adapters/postgres/connect.ts';
  import { FileSpillLog } from '${root}adapters/spill/file-spill.ts';
  import { BatchedWriter } from '${root}application/batched-writer.ts';
  import { silentLogger } from '${root}application/ports/logger.ts';
  const store = await createStore({ kind: 'postgres', url: ${JSON.stringify(url)} }, { connectTimeoutMs: 1000 });
  const writer = new BatchedWriter(store, silentLogger, { batchRows: 50, maxQueuedRows: 200, spill: new FileSpillLog(${JSON.stringify(spillPath)}) });
  console.log('ready');
  process.stdin.once('data', async () => {
    for (let seq = 1; seq <= 1000; seq++) {
      writer.signal({ runId: 'killed', seq, midTicks: null, acted: false,
        signal: { ts: ${T0} + seq, score: seq / 7, confidence: 0.5, horizonMs: 500, modelId: 'm', schemaId: 'fs-kill' } });
      writer.featureVector({ runId: 'killed', seq, vector: { schemaId: 'fs-kill', ts: ${T0} + seq, values: Float64Array.of(seq / 3, -0) } });
      if (seq % 25 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    const timer = setInterval(() => {
      if (writer.stats.spilled >= 1500) {
        console.log('spilled ' + writer.stats.spilled);
        clearInterval(timer);
      }
    }, 5);
    setInterval(() => undefined, 1000);
  });`;

describe.skipIf(!up)('spill file after kill -9', () => {
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  let proxy: TcpProxy;
  let dir: string;

  beforeAll(async () => {
    db = await freshDatabase('ladder_spill');
    proxy = await TcpProxy.start();
    dir = await mkdtemp(join(tmpdir(), 'ladder-kill-'));
  });

  afterAll(async () => {
    await proxy.close();
    await db.drop();
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps what was spilled before the kill, and the next start writes it back once', async () => {
    const store = await createStore({ kind: 'postgres', url: db.url });
    await store.migrate();
    await store.startRun({
      id: 'killed', mode: 'paper', instrument: BTCUSDT_SPEC, source: 'synthetic', venue: 'sim', modelId: 'm', schemaId: 'fs-kill',
      config: {}, codeVersion: 'test', startedAt: T0 as Micros,
    });
    const spillPath = join(dir, 'spill.jsonl');

    const proc = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', child(proxy.urlFor(db.url), spillPath)], { cwd: root });
    let out = '';
    const spilledLine = await new Promise<string>((resolve, reject) => {
      const timeout = setTimeout(() => reject(new Error(`child gave no spill report: ${out}`)), 45_000);
      proc.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
      proc.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes('ready') && !out.includes('go-sent')) {
          out += 'go-sent';
          proxy.cut();
          proc.stdin.write('go\n');
        }
        const m = /spilled (\d+)/.exec(out);
        if (m !== null) {
          clearTimeout(timeout);
          resolve(m[0]);
        }
      });
    });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => proc.on('exit', (_code, signal) => resolve(signal)));
    proc.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');

    // What survives: the rows in the spill file, the oldest ones, in order; the queue died with the process.
    const file = new FileSpillLog(spillPath);
    const { rows, skippedLines } = await file.readAll();
    // The writer goes on appending the rows behind the reported ones until the kill, which may cut
    // the last line short: the reader skips that line, and every whole line before it is read.
    expect(skippedLines).toBeLessThanOrEqual(1);
    expect(rows.length).toBeGreaterThanOrEqual(Number(spilledLine.split(' ')[1]));
    // Pushed as signal 1, vector 1, signal 2, …: the file holds a prefix of that order.
    const signalCount = Math.ceil(rows.length / 2);
    const vectorCount = Math.floor(rows.length / 2);
    const seqsOf = (kind: string) => rows.filter((r) => r.kind === kind).map((r) => (r.record as { seq: number }).seq);
    const upTo = (n: number) => Array.from({ length: n }, (_, i) => i + 1);
    expect(seqsOf('signals')).toEqual(upTo(signalCount));
    expect(seqsOf('featureVectors')).toEqual(upTo(vectorCount));
    expect(await store.rowCounts('killed')).toMatchObject({ signals: 0, featureVectors: 0 });

    // The next start, with the database reachable.
    proxy.restore();
    const writer = new BatchedWriter(store, new RecordingLogger(), { batchRows: 200, spill: file });
    expect(await writer.recover()).toEqual({ found: rows.length, skippedLines, pending: 0 });
    expect((await store.readSignals('killed')).map((s) => s.seq)).toEqual(upTo(signalCount));
    const vectors = await store.readFeatureVectors('killed');
    expect(vectors.map((v) => v.seq)).toEqual(upTo(vectorCount));
    expect(Object.is(vectors[0].vector.values[1], -0)).toBe(true);
    expect(vectors[vectorCount - 1].vector.values[0]).toBe(vectorCount / 3);
    expect((await file.readAll()).rows).toHaveLength(0);
    // A second start finds nothing to write back.
    expect(await new BatchedWriter(store, new RecordingLogger(), { spill: file }).recover()).toMatchObject({ found: 0 });
    expect(await store.rowCounts('killed')).toMatchObject({ signals: signalCount, featureVectors: vectorCount });
    await writer.close();
    await file.close();
    await store.close();
  }, 60_000);
});
