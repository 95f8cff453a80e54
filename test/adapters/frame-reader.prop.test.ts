import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fc, test } from '@fast-check/vitest';
import { afterAll, describe, expect } from 'vitest';
import { readFrameChunks, readFrameLines } from '../../adapters/replay/frame-reader.ts';
import { splitLineBefore } from '../support/frame-stamp-before.ts';

/*
 * The reader reads a line's receive-time stamp in one pass; test/support/frame-stamp-before.ts is
 * how it read it before, in two. Lines with stamps of any length (µs, ns, too long), leading zeros,
 * values past 2^53, no space or two, and bare frames must split exactly as before.
 */

const dir = mkdtempSync(join(tmpdir(), 'frame-reader-prop-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let fileNo = 0;

const digits = fc.oneof(
  fc.stringMatching(/^[0-9]{1,21}$/),
  fc.bigInt({ min: 0n, max: 10n ** 19n }).map(String),
  fc.constantFrom('9007199254740991', '9007199254740992', '9007199254740993000', '1721347020984480942', '0000000000000000001', '0'),
);
const lineArb = fc.oneof(
  fc.tuple(digits, fc.constantFrom(' ', '  ', '', 'x', ' {'), fc.constantFrom('{"n":1}', '', ' ', '{"é":"ü"}'), fc.boolean()).map(([d, sep, frame, cr]) => `${d}${sep}${frame}${cr ? '\r' : ''}`),
  fc.constantFrom('{"n":2}', '', '\r', ' 1 {}', '1', '12 '),
);

describe('the receive-time stamp read in one pass', () => {
  test.prop([fc.array(lineArb, { minLength: 1, maxLength: 30 })], { numRuns: 200 })('splits every line as the two-pass reader did', async (generated) => {
    // A frame last, so that no file is empty (refused before any line is read).
    const lines = [...generated, '{"end":1}'];
    const path = join(dir, `${++fileNo}.jsonl`);
    const text = lines.join('\n');
    writeFileSync(path, text);
    const data = Buffer.from(text);
    const expected: { text: string; recvTime: number | null }[] = [];
    let pos = 0;
    for (const line of lines) {
      let end = pos + Buffer.byteLength(line);
      const next = end + 1;
      if (end > pos && data[end - 1] === 13) end--;
      if (end > pos) {
        const split = splitLineBefore(data, pos, end);
        expected.push({ text: data.toString('utf8', split.start, end), recvTime: split.recvTime });
      }
      pos = next;
    }
    const chunked: { text: string; recvTime: number | null }[] = [];
    for await (const c of readFrameChunks(path)) {
      for (let k = 0; k < c.count; k++) chunked.push({ text: c.bytes.toString('utf8', c.starts[k], c.ends[k]), recvTime: c.recvTimes[k] < 0 ? null : c.recvTimes[k] });
    }
    expect(chunked).toEqual(expected);
    const read: { text: string; recvTime: number | null }[] = [];
    for await (const line of readFrameLines(path)) read.push({ text: line.text, recvTime: line.recvTime });
    expect(read).toEqual(expected);
  });
});
