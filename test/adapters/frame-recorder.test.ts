import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { fc, test } from '@fast-check/vitest';
import { afterAll, describe, expect, it } from 'vitest';
import type { Clock } from '../../application/ports/clock.ts';
import { FrameRecorder, rotatedName } from '../../adapters/recorder/frame-recorder.ts';
import { readFrameLines, type FrameLine } from '../../adapters/replay/frame-reader.ts';
import type { Micros } from '../../domain/values/units.ts';

const dir = mkdtempSync(join(tmpdir(), 'frame-recorder-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let fileNo = 0;
const fresh = (name: string): string => join(dir, String(++fileNo), name);

/** A clock the test sets; 2025-01-01T10:59:58Z to start with. */
class SetClock implements Clock {
  constructor(public now = Date.UTC(2025, 0, 1, 10, 59, 58) * 1000) {}
  nowMicros(): Micros {
    return this.now as Micros;
  }
}

const samplePath = fileURLToPath(new URL('../fixtures/btcusdt-sample.jsonl', import.meta.url));
/** The project's own recorded sample: frames with their receive times. */
const sample = readFileSync(samplePath, 'utf8')
  .split('\n')
  .filter((line) => line.length > 0)
  .map((line) => {
    const space = line.indexOf(' ');
    return { text: line.slice(space + 1), recvTime: Number(line.slice(0, space)) as Micros };
  });

async function readAll(paths: readonly string[]): Promise<FrameLine[]> {
  const out: FrameLine[] = [];
  for (const path of paths) for await (const line of readFrameLines(path)) out.push(line);
  return out;
}

const strip = (lines: readonly FrameLine[]): Array<{ text: string; recvTime: Micros | null }> =>
  lines.map(({ text, recvTime }) => ({ text, recvTime }));

describe('FrameRecorder', () => {
  it.each(['frames.jsonl', 'frames.jsonl.gz'])('writes %s that reads back frame for frame, with receive times', async (name) => {
    const recorder = await FrameRecorder.open({ path: fresh(name), clock: new SetClock(), blockBytes: 64 * 1024 });
    for (const f of sample) recorder.write(f.text, f.recvTime);
    await recorder.close();

    expect(recorder.paths).toHaveLength(1);
    const path = recorder.paths[0];
    expect(basename(path)).toBe(name);
    expect(strip(await readAll(recorder.paths))).toEqual(sample);
    const raw = readFileSync(path);
    const expected = sample.map((f) => `${f.recvTime} ${f.text}\n`).join('');
    // A cleanly closed gzip file is complete: a strict one-shot gunzip takes it, trailer and all.
    const text = name.endsWith('.gz') ? gunzipSync(raw).toString('utf8') : raw.toString('utf8');
    expect(text).toBe(expected);
    expect(recorder.stats).toEqual({
      frames: sample.length,
      bytes: Buffer.byteLength(expected),
      diskBytes: raw.length,
      files: 1,
      skipped: 0,
      dropped: 0,
    });
    if (name.endsWith('.gz')) expect(raw.length).toBeLessThan(Buffer.byteLength(expected) / 3);
  });

  it.each(['frames.jsonl', 'frames.jsonl.gz'])('rotates %s by size without splitting a line', async (name) => {
    const maxBytes = 40_000;
    const recorder = await FrameRecorder.open({ path: fresh(name), clock: new SetClock(), rotate: { maxBytes }, blockBytes: 16 * 1024 });
    for (const f of sample) recorder.write(f.text, f.recvTime);
    await recorder.close();

    expect(recorder.stats.files).toBeGreaterThan(3);
    expect(recorder.paths.map((p) => basename(p))).toEqual(
      recorder.paths.map((_, i) => `frames-20250101-105958-${String(i + 1).padStart(4, '0')}.jsonl${name.endsWith('.gz') ? '.gz' : ''}`),
    );
    const texts = recorder.paths.map((path) => {
      const raw = readFileSync(path);
      return name.endsWith('.gz') ? gunzipSync(raw).toString('utf8') : raw.toString('utf8');
    });
    texts.forEach((text, i) => {
      const lines = text.split('\n');
      expect(lines.pop()).toBe('');
      // A file passes maxBytes only when it holds a single longer line.
      if (lines.length > 1) expect(Buffer.byteLength(text)).toBeLessThanOrEqual(maxBytes);
      // Each file was full: the next one's first line would not have fitted.
      if (i + 1 < texts.length) {
        const nextLine = texts[i + 1].slice(0, texts[i + 1].indexOf('\n') + 1);
        expect(Buffer.byteLength(text) + Buffer.byteLength(nextLine)).toBeGreaterThan(maxBytes);
      }
    });
    expect(strip(await readAll(recorder.paths))).toEqual(sample);
  });

  it('gives a line longer than maxBytes a file of its own', async () => {
    const recorder = await FrameRecorder.open({ path: fresh('big.jsonl'), clock: new SetClock(), rotate: { maxBytes: 100 } });
    const texts = ['a'.repeat(30), 'b'.repeat(500), 'c'.repeat(30), 'd'.repeat(30)];
    texts.forEach((t, i) => recorder.write(t, (i + 1) as Micros));
    await recorder.close();
    const perFile = await Promise.all(recorder.paths.map(async (p) => (await readAll([p])).map((l) => l.text[0]).join('')));
    expect(perFile).toEqual(['a', 'b', 'cd']);
  });

  it.each(['hours.jsonl', 'hours.jsonl.gz'])('rotates %s at each full hour of the clock', async (name) => {
    const clock = new SetClock();
    const recorder = await FrameRecorder.open({ path: fresh(name), clock, rotate: { everyHour: true } });
    const hour = 3_600_000_000;
    const steps = [0, 1_000_000, 2_000_000, 2_000_001, hour, hour + 2_000_000, 2 * hour + 3_000_000];
    const start = clock.now;
    steps.forEach((step, i) => {
      clock.now = start + step;
      recorder.write(`{"n":${i}}`, clock.now as Micros);
    });
    await recorder.close();

    const gz = name.endsWith('.gz') ? '.gz' : '';
    expect(recorder.paths.map((p) => basename(p))).toEqual([
      `hours-20250101-105958-0001.jsonl${gz}`,
      `hours-20250101-110000-0002.jsonl${gz}`,
      `hours-20250101-120000-0003.jsonl${gz}`,
      `hours-20250101-130001-0004.jsonl${gz}`,
    ]);
    const perFile = await Promise.all(recorder.paths.map(async (p) => (await readAll([p])).map((l) => l.text)));
    expect(perFile).toEqual([['{"n":0}', '{"n":1}'], ['{"n":2}', '{"n":3}', '{"n":4}'], ['{"n":5}'], ['{"n":6}']]);
  });

  it('skips and counts a frame that cannot stay on one line, and keeps the others intact', async () => {
    const recorder = await FrameRecorder.open({ path: fresh('garbage.jsonl'), clock: new SetClock() });
    const texts = ['{"a":1}', 'two\nlines', 'ends in CR\r', 'a \r inside', '', '  spaces first', '{"b":2}'];
    texts.forEach((t, i) => recorder.write(t, (1000 + i) as Micros));
    await recorder.close();
    const kept = texts.flatMap((t, i) => (t.includes('\n') || t.endsWith('\r') ? [] : [{ text: t, recvTime: 1000 + i }]));
    expect(strip(await readAll(recorder.paths))).toEqual(kept);
    expect(recorder.stats.skipped).toBe(2);
    expect(recorder.stats.frames).toBe(kept.length);
  });

  it('drops and counts frames beyond its memory bound, and keeps the order of the rest', async () => {
    const recorder = await FrameRecorder.open({ path: fresh('bound.jsonl'), clock: new SetClock(), blockBytes: 4096, maxBufferedBytes: 20_000 });
    const texts = sample.slice(0, 300).map((f) => f.text);
    texts.forEach((t, i) => recorder.write(t, i as Micros));
    await recorder.close();

    const back = await readAll(recorder.paths);
    expect(recorder.stats.dropped).toBeGreaterThan(0);
    expect(recorder.stats.frames + recorder.stats.dropped).toBe(texts.length);
    expect(back).toHaveLength(recorder.stats.frames);
    // The kept frames are those written, in order, with their own times.
    for (const line of back) expect(line.text).toBe(texts[line.recvTime!]);
    expect(back.map((l) => l.recvTime)).toEqual([...back.map((l) => l.recvTime)].sort((a, b) => a! - b!));
    // Nothing waits any more: a frame written now is taken.
    const after = await FrameRecorder.open({ path: fresh('bound-after.jsonl'), clock: new SetClock(), blockBytes: 4096, maxBufferedBytes: 20_000 });
    after.write(texts[0], 1 as Micros);
    await after.flush();
    after.write(texts[1], 2 as Micros);
    await after.close();
    expect(after.stats).toMatchObject({ frames: 2, dropped: 0 });
  });

  it('drops frames written after close and refuses bad receive times', async () => {
    const recorder = await FrameRecorder.open({ path: fresh('closed.jsonl'), clock: new SetClock() });
    recorder.write('{"a":1}', 1 as Micros);
    expect(() => recorder.write('{"a":1}', -1 as Micros)).toThrow(RangeError);
    expect(() => recorder.write('{"a":1}', 1.5 as Micros)).toThrow(RangeError);
    await recorder.close();
    await recorder.close();
    recorder.write('{"a":2}', 2 as Micros);
    expect(recorder.stats).toMatchObject({ frames: 1, dropped: 1 });
    expect(strip(await readAll(recorder.paths))).toEqual([{ text: '{"a":1}', recvTime: 1 }]);
  });

  it('rejects opening a file it cannot create, naming it', async () => {
    const blocker = fresh('a-file');
    await FrameRecorder.open({ path: blocker, clock: new SetClock() }).then((r) => r.close());
    const path = join(blocker, 'frames.jsonl');
    await expect(FrameRecorder.open({ path, clock: new SetClock() })).rejects.toThrow(`${blocker}`);
    await expect(FrameRecorder.open({ path: fresh('x.jsonl'), clock: new SetClock(), blockBytes: 0 })).rejects.toThrow(RangeError);
    await expect(FrameRecorder.open({ path: fresh('x.jsonl'), clock: new SetClock(), blockBytes: 1000, maxBufferedBytes: 1999 })).rejects.toThrow(RangeError);
  });

  it('reads back everything flushed from a gzip file cut in its last block', async () => {
    const recorder = await FrameRecorder.open({ path: fresh('cut.jsonl.gz'), clock: new SetClock() });
    const first = sample.slice(0, 500);
    const second = sample.slice(500, 900);
    for (const f of first) recorder.write(f.text, f.recvTime);
    await recorder.flush();
    const flushedSize = statSync(recorder.paths[0]).size;
    for (const f of second) recorder.write(f.text, f.recvTime);
    await recorder.close();
    const full = statSync(recorder.paths[0]).size;

    // Cut shorter each time (truncating to a longer size would pad the file with zeros).
    for (const cutAt of [full - 1, Math.floor((flushedSize + full) / 2), flushedSize + 10, flushedSize + 1]) {
      truncateSync(recorder.paths[0], cutAt);
      const got: FrameLine[] = [];
      const reading = (async () => {
        for await (const line of readFrameLines(recorder.paths[0])) got.push(line);
      })();
      await expect(reading).rejects.toThrow(`compressed data cut short (the writer stopped mid-file?): ${recorder.paths[0]}`);
      expect(strip(got.slice(0, first.length))).toEqual(first);
      // After the flushed frames come whole frames of the cut block and perhaps the start of one.
      const rest = got.slice(first.length);
      rest.forEach((line, i) => {
        const whole = `${second[i].recvTime} ${second[i].text}`;
        const seen = line.recvTime === null ? line.text : `${line.recvTime} ${line.text}`;
        if (i < rest.length - 1) expect(seen).toBe(whole);
        else expect(whole.startsWith(seen)).toBe(true);
      });
      const quiet: FrameLine[] = [];
      for await (const line of readFrameLines(recorder.paths[0], { truncated: 'end' })) quiet.push(line);
      expect(quiet).toEqual(got);
    }
  });

  it('leaves every flushed frame readable when its process is killed mid-recording', async () => {
    const script = join(dir, 'record-then-die.mts');
    const out = fresh('killed.jsonl.gz');
    const recorderUrl = new URL('../../adapters/recorder/frame-recorder.ts', import.meta.url).href;
    writeFileSync(
      script,
      [
        `import { FrameRecorder } from ${JSON.stringify(recorderUrl)};`,
        `const recorder = await FrameRecorder.open({ path: ${JSON.stringify(out)}, clock: { nowMicros: () => 0 }, blockBytes: 4096 });`,
        `for (let i = 0; i < 2000; i++) recorder.write('{"flushed":' + i + '}', i);`,
        'await recorder.flush();',
        "process.stdout.write('flushed\\n');",
        'let i = 2000;',
        "setInterval(() => { for (let k = 0; k < 200; k++, i++) recorder.write('{\"later\":' + i + '}', i); }, 1);",
      ].join('\n'),
    );
    const child = spawn(process.execPath, ['--import', 'tsx', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('flushed')) resolve();
      });
      child.on('exit', (code) => reject(new Error(`recording process exited early with ${code}`)));
    });
    // Let it write some unflushed blocks, then kill it without warning.
    await new Promise((resolve) => setTimeout(resolve, 100));
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));

    const got: FrameLine[] = [];
    for await (const line of readFrameLines(out, { truncated: 'end' })) got.push(line);
    expect(got.length).toBeGreaterThanOrEqual(2000);
    expect(got.slice(0, 2000).map((l) => l.text)).toEqual(Array.from({ length: 2000 }, (_, i) => `{"flushed":${i}}`));
    got.slice(0, -1).forEach((line, i) => expect(line.recvTime).toBe(i));
  });

  test.prop(
    [
      fc.array(fc.record({ text: fc.string({ unit: 'binary', maxLength: 300 }), recvTime: fc.nat({ max: Number.MAX_SAFE_INTEGER }) }), { maxLength: 60 }),
      fc.boolean(),
      fc.option(fc.integer({ min: 50, max: 3000 }), { nil: undefined }),
    ],
    { numRuns: 60 },
  )('reads back any frames written, in order, with their times (plain or gzip, rotating or not)', async (frames, gz, maxBytes) => {
    const recorder = await FrameRecorder.open({
      path: fresh(gz ? 'prop.jsonl.gz' : 'prop.jsonl'),
      clock: new SetClock(),
      rotate: maxBytes === undefined ? undefined : { maxBytes },
      blockBytes: 512,
    });
    for (const f of frames) recorder.write(f.text, f.recvTime as Micros);
    await recorder.close();
    const storable = frames.filter((f) => !f.text.includes('\n') && !f.text.endsWith('\r'));
    // A recording of nothing is an empty file, which the reader refuses as such.
    const written = recorder.paths.filter((p) => statSync(p).size > 0);
    if (written.length === 0) expect([recorder.paths.length, storable.length]).toEqual([1, 0]);
    expect(strip(await readAll(written))).toEqual(storable);
    expect(recorder.stats.skipped).toBe(frames.length - storable.length);
  });
});

describe('rotatedName', () => {
  it('stamps the UTC time and a four-digit file number between the stem and the extensions', () => {
    const at = Date.UTC(2024, 11, 1, 7, 5, 9, 999) * 1000 + 999;
    expect(rotatedName('/rec/bybit.jsonl.gz', at, 3)).toBe('/rec/bybit-20241201-070509-0003.jsonl.gz');
    expect(rotatedName('rec/bybit.jsonl', at, 12)).toBe('rec/bybit-20241201-070509-0012.jsonl');
    expect(rotatedName('bybit', at, 1)).toBe('bybit-20241201-070509-0001');
  });
});
