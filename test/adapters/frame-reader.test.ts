import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateRawSync, gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { readFrameChunks, readFrameLines, type FrameLine } from '../../adapters/replay/frame-reader.ts';

const dir = mkdtempSync(join(tmpdir(), 'frame-reader-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let fileNo = 0;
const put = (name: string, data: string | Buffer): string => {
  const path = join(dir, `${++fileNo}-${name}`);
  writeFileSync(path, data);
  return path;
};

async function readAll(path: string): Promise<FrameLine[]> {
  const out: FrameLine[] = [];
  for await (const line of readFrameLines(path)) out.push(line);
  return out;
}

/** The lines of `readFrameChunks` as `readFrameLines` gives them (text and receive time), empty texts left out. */
async function chunkLines(path: string): Promise<{ text: string; recvTime: number | null }[]> {
  const out: { text: string; recvTime: number | null }[] = [];
  for await (const c of readFrameChunks(path)) {
    for (let k = 0; k < c.count; k++) out.push({ text: c.bytes.toString('utf8', c.starts[k], c.ends[k]), recvTime: c.recvTimes[k] < 0 ? null : c.recvTimes[k] });
  }
  return out;
}

describe('readFrameChunks', () => {
  it('gives the lines readFrameLines gives, across read chunks, plain and gzip', async () => {
    const kinds = [
      (k: number) => `${1_700_000_000_000_000 + k} {"n":${k},"pad":"${'x'.repeat(k % 700)}"}`,
      (k: number) => `${1_721_347_028_479_102_227n + BigInt(k)} {"n":${k}}\r`,
      (k: number) => `{"n":${k},"é":"ü"}`,
      () => '',
      (k: number) => `${k} `,
      (k: number) => `12345678901234567890 {"too":"long a stamp ${k}"}`,
    ];
    const text = Array.from({ length: 6000 }, (_, k) => kinds[k % kinds.length](k)).join('\n');
    for (const path of [put('chunks.jsonl', text), put('chunks.gz', gzipSync(text))]) {
      const lines = (await readAll(path)).map(({ text: t, recvTime }) => ({ text: t, recvTime }));
      expect(await chunkLines(path)).toEqual(lines.filter((l) => l.text.length > 0 || l.recvTime !== null));
    }
  });

  it('gives lines longer than its read buffer whole, plain, gzip and stored zip, the last one without its line feed', async () => {
    // The buffer starts at 256 kB and doubles for a line that does not fit; the first line fills it exactly.
    const long = (n: number, k: number): string => `${k} {"pad":"${'p'.repeat(n)}"}`;
    const first = 256 * 1024 - 1;
    const text = [`{"pad":"${'f'.repeat(first - 10)}"}`, long(700_000, 1), long(10, 2), long(1_500_000, 3), `{"n":4}\r`, long(300_000, 5)].join('\n');
    expect(text.indexOf('\n')).toBe(first);
    const data = Buffer.from(text);
    for (const path of [put('long.jsonl', data), put('long.gz', gzipSync(data)), put('long.zip', zip([{ name: 'long.jsonl', data }], { method: 0 }))]) {
      const lines = (await readAll(path)).map(({ text: t, recvTime }) => ({ text: t, recvTime }));
      expect(lines).toHaveLength(6);
      expect(await chunkLines(path)).toEqual(lines);
    }
  });

  it('rejects a gzip cut short after the lines it holds, or just ends when asked, as readFrameLines does', async () => {
    const whole = gzipSync(dump);
    const path = put('cut-chunks.data.gz', whole.subarray(0, whole.length - 12));
    const expected = (await (async () => {
      const got: string[] = [];
      for await (const line of readFrameLines(path, { truncated: 'end' })) got.push(line.text);
      return got;
    })());
    const got: string[] = [];
    await expect(
      (async () => {
        for await (const c of readFrameChunks(path)) for (let k = 0; k < c.count; k++) got.push(c.bytes.toString('utf8', c.starts[k], c.ends[k]));
      })(),
    ).rejects.toThrow(`compressed data cut short (the writer stopped mid-file?): ${path}`);
    expect(got).toEqual(expected);
    const quiet: string[] = [];
    for await (const c of readFrameChunks(path, { truncated: 'end' })) for (let k = 0; k < c.count; k++) quiet.push(c.bytes.toString('utf8', c.starts[k], c.ends[k]));
    expect(quiet).toEqual(expected);
  });

  it('stops reading when the consumer stops, and rejects a missing file naming it', async () => {
    const body = Array.from({ length: 50_000 }, (_, i) => `${i} {"n":${i}}\n`).join('');
    for (const path of [put('early-chunks.jsonl', body), put('early-chunks.jsonl.gz', gzipSync(body))]) {
      let chunks = 0;
      for await (const c of readFrameChunks(path)) {
        expect(c.recvTimes[0]).toBeGreaterThanOrEqual(0);
        if (++chunks === 2) break;
      }
      expect(chunks).toBe(2);
    }
    const missing = join(dir, 'no-such-chunks.jsonl');
    await expect(chunkLines(missing)).rejects.toThrow(`cannot read ${missing}: ENOENT`);
  });
});

/** Table-driven CRC-32 (IEEE 802.3, as zip uses it); Node 20 has no zlib.crc32. */
const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(data: Buffer): number {
  let c = 0xffffffff;
  for (const byte of data) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

interface ZipOptions {
  /** 0 stored, 8 deflate, anything else to test refusal. */
  readonly method?: number;
  /** Sizes and CRC after the data (flag bit 3) with zeros in the local header, as streaming writers do. */
  readonly descriptor?: boolean;
  /** Sizes and offset in a zip64 extra field, with all ones in the 32-bit fields and a zip64 end record. */
  readonly zip64?: boolean;
}

/** A minimal zip writer: local headers, data, central directory, end record (APPNOTE 6.3.10). */
function zip(entries: ReadonlyArray<{ name: string; data: Buffer }>, options: ZipOptions = {}): Buffer {
  const method = options.method ?? 8;
  const parts: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const { name, data } of entries) {
    const packed = method === 8 ? deflateRawSync(data) : data;
    const nameBytes = Buffer.from(name, 'utf8');
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(options.zip64 ? 45 : 20, 4);
    local.writeUInt16LE(options.descriptor ? 8 : 0, 6);
    local.writeUInt16LE(method, 8);
    if (!options.descriptor) {
      local.writeUInt32LE(crc, 14);
      local.writeUInt32LE(packed.length, 18);
      local.writeUInt32LE(data.length, 22);
    }
    local.writeUInt16LE(nameBytes.length, 26);
    const descriptor = Buffer.alloc(options.descriptor ? 16 : 0);
    if (options.descriptor) {
      descriptor.writeUInt32LE(0x08074b50, 0);
      descriptor.writeUInt32LE(crc, 4);
      descriptor.writeUInt32LE(packed.length, 8);
      descriptor.writeUInt32LE(data.length, 12);
    }
    const extra = Buffer.alloc(options.zip64 ? 28 : 0);
    if (options.zip64) {
      extra.writeUInt16LE(1, 0);
      extra.writeUInt16LE(24, 2);
      extra.writeBigUInt64LE(BigInt(data.length), 4);
      extra.writeBigUInt64LE(BigInt(packed.length), 12);
      extra.writeBigUInt64LE(BigInt(offset), 20);
    }
    const all = options.zip64 ? 0xffffffff : null;
    const entry = Buffer.alloc(46);
    entry.writeUInt32LE(0x02014b50, 0);
    entry.writeUInt16LE(20, 4);
    entry.writeUInt16LE(options.zip64 ? 45 : 20, 6);
    entry.writeUInt16LE(options.descriptor ? 8 : 0, 8);
    entry.writeUInt16LE(method, 10);
    entry.writeUInt32LE(crc, 16);
    entry.writeUInt32LE(all ?? packed.length, 20);
    entry.writeUInt32LE(all ?? data.length, 24);
    entry.writeUInt16LE(nameBytes.length, 28);
    entry.writeUInt16LE(extra.length, 30);
    entry.writeUInt32LE(all ?? offset, 42);
    central.push(entry, nameBytes, extra);
    parts.push(local, nameBytes, packed, descriptor);
    offset += local.length + nameBytes.length + packed.length + descriptor.length;
  }
  const directory = Buffer.concat(central);
  const tail: Buffer[] = [];
  if (options.zip64) {
    const end64 = Buffer.alloc(56);
    end64.writeUInt32LE(0x06064b50, 0);
    end64.writeBigUInt64LE(44n, 4);
    end64.writeUInt16LE(45, 12);
    end64.writeUInt16LE(45, 14);
    end64.writeBigUInt64LE(BigInt(entries.length), 24);
    end64.writeBigUInt64LE(BigInt(entries.length), 32);
    end64.writeBigUInt64LE(BigInt(directory.length), 40);
    end64.writeBigUInt64LE(BigInt(offset), 48);
    const locator = Buffer.alloc(20);
    locator.writeUInt32LE(0x07064b50, 0);
    locator.writeBigUInt64LE(BigInt(offset + directory.length), 8);
    locator.writeUInt32LE(1, 16);
    tail.push(end64, locator);
  }
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(options.zip64 ? 0xffff : entries.length, 8);
  end.writeUInt16LE(options.zip64 ? 0xffff : entries.length, 10);
  end.writeUInt32LE(options.zip64 ? 0xffffffff : directory.length, 12);
  end.writeUInt32LE(options.zip64 ? 0xffffffff : offset, 16);
  return Buffer.concat([...parts, directory, ...tail, end]);
}

/** Bybit-dump-like content: JSON lines ending in \r\n. */
const dumpLines = Array.from({ length: 40 }, (_, i) => `{"topic":"orderbook.500.XRPUSDT","type":"delta","ts":${1733011200691 + i * 100},"data":{"u":${i + 2}},"cts":${1733011200680 + i * 100}}`);
const dump = Buffer.from(dumpLines.map((l) => `${l}\r\n`).join(''));

describe('readFrameLines', () => {
  it('splits recorder lines into receive time and the text after one space, and takes other lines whole', async () => {
    const lines = ['1733011200691000 {"a":1}', '{"b":2}', '7  two spaces', '12abc {"c":3}', '99999999999999999999 {"too":"long"}', '5 ', '0 x', ' 1 lead', '1721347020984480942 {"ns":1}'];
    const got = await readAll(put('mixed.jsonl', `${lines.join('\n')}\n`));
    expect(got).toEqual([
      { text: '{"a":1}', recvTime: 1733011200691000, lineNo: 1 },
      { text: '{"b":2}', recvTime: null, lineNo: 2 },
      { text: ' two spaces', recvTime: 7, lineNo: 3 },
      { text: '12abc {"c":3}', recvTime: null, lineNo: 4 },
      // More digits than a ns stamp has: not a receive time.
      { text: '99999999999999999999 {"too":"long"}', recvTime: null, lineNo: 5 },
      { text: '', recvTime: 5, lineNo: 6 },
      { text: 'x', recvTime: 0, lineNo: 7 },
      { text: ' 1 lead', recvTime: null, lineNo: 8 },
      // 17 to 19 digits are ns (Binance captures), cut to the µs they fall in.
      { text: '{"ns":1}', recvTime: 1721347020984480, lineNo: 9 },
    ]);
  });

  it('drops \\r before \\n, skips empty lines while counting them, and keeps a last line without \\n', async () => {
    const got = await readAll(put('crlf.data', 'first\r\n\r\n\nsecond\r\n3 third\rwith CR inside\r\nlast'));
    expect(got).toEqual([
      { text: 'first', recvTime: null, lineNo: 1 },
      { text: 'second', recvTime: null, lineNo: 4 },
      { text: 'third\rwith CR inside', recvTime: 3, lineNo: 5 },
      { text: 'last', recvTime: null, lineNo: 6 },
    ]);
  });

  it('passes garbage and truncated frames through as text', async () => {
    const garbage = Buffer.concat([Buffer.from('{"topic":"orderbook.200.BTCUSDT","ty\n'), Buffer.from([0x00, 0x01, 0xfe, 0x7f]), Buffer.from('\n17 {"cut":\n')]);
    const got = await readAll(put('garbage.jsonl', garbage));
    expect(got.map((l) => [l.text, l.recvTime])).toEqual([
      ['{"topic":"orderbook.200.BTCUSDT","ty', null],
      ['\u0000\u0001\ufffd\u007f', null],
      ['{"cut":', 17],
    ]);
  });

  it.each([
    ['plain', (b: Buffer) => b],
    ['gzip', (b: Buffer) => gzipSync(b)],
  ])('reads lines of 100 KB to 2 MB across read chunks, multi-byte characters split included (%s)', async (_, pack) => {
    const texts = [
      `{"data":"${'x'.repeat(100_000)}"}`,
      `{"euros":"${'€'.repeat(700_000)}"}`,
      '{"small":1}',
      `{"mixed":"${'é😀a'.repeat(300_000)}"}`,
    ];
    const body = Buffer.from(texts.map((t, i) => `${i + 1} ${t}\n`).join(''), 'utf8');
    const got = await readAll(put('long.jsonl', pack(body)));
    expect(got.map((l) => l.text)).toEqual(texts);
    expect(got.map((l) => l.recvTime)).toEqual([1, 2, 3, 4]);
  });

  it('tells gzip by its magic bytes, not its name', async () => {
    const text = '1 {"a":1}\n2 {"b":2}\n';
    const asPlainName = await readAll(put('looks-plain.jsonl', gzipSync(text)));
    const asGzName = await readAll(put('not-really.jsonl.gz', text));
    expect(asPlainName).toEqual(asGzName);
    expect(asPlainName.map((l) => l.text)).toEqual(['{"a":1}', '{"b":2}']);
  });

  it('reads a gzip of several members (a recorder file after flushes or a restart)', async () => {
    const got = await readAll(put('members.jsonl.gz', Buffer.concat([gzipSync('1 a\n2 b'), gzipSync('c\n3 d\n')])));
    expect(got.map((l) => [l.text, l.recvTime])).toEqual([['a', 1], ['b' + 'c', 2], ['d', 3]]);
  });

  it.each([
    // Without its 8-byte trailer (CRC and length) every line is there; 4 bytes more cut the last line.
    ['its trailer', 8],
    ['its last line', 12],
  ])('rejects a gzip cut short in %s after the lines it holds, or just ends when asked', async (_, cut) => {
    const whole = gzipSync(dump);
    const path = put('cut.data.gz', whole.subarray(0, whole.length - cut));
    const got: FrameLine[] = [];
    await expect(
      (async () => {
        for await (const line of readFrameLines(path)) got.push(line);
      })(),
    ).rejects.toThrow(`compressed data cut short (the writer stopped mid-file?): ${path}`);
    expect(got).toHaveLength(dumpLines.length);
    expect(got.slice(0, -1).map((l) => l.text)).toEqual(dumpLines.slice(0, -1));
    const last = got[got.length - 1].text;
    if (cut === 8) expect(last).toBe(dumpLines[dumpLines.length - 1]);
    else expect(dumpLines[dumpLines.length - 1].startsWith(last) && last !== dumpLines[dumpLines.length - 1]).toBe(true);
    const quiet: FrameLine[] = [];
    for await (const line of readFrameLines(path, { truncated: 'end' })) quiet.push(line);
    expect(quiet).toEqual(got);
  });

  it.each([
    ['deflate', { method: 8 }],
    ['stored', { method: 0 }],
    ['deflate with a data descriptor', { method: 8, descriptor: true }],
    ['stored, zip64', { method: 0, zip64: true }],
    ['deflate, zip64 with a data descriptor', { method: 8, zip64: true, descriptor: true }],
  ] as const)('reads the one .data file of a zip (%s)', async (_, options) => {
    const path = put('2024-12-01_XRPUSDT_ob500.data.zip', zip([{ name: '2024-12-01_XRPUSDT_ob500.data', data: dump }], options));
    const got = await readAll(path);
    expect(got.map((l) => l.text)).toEqual(dumpLines);
    expect(got.map((l) => l.lineNo)).toEqual(dumpLines.map((_l, i) => i + 1));
    expect(got.every((l) => l.recvTime === null)).toBe(true);
  });

  it('reads a zip whatever its name, and a 2 MB deflated entry in pieces', async () => {
    const big = Buffer.from(Array.from({ length: 20_000 }, (_, i) => `${i} {"n":${i},"pad":"${'z'.repeat(80)}"}\n`).join(''));
    const got = await readAll(put('capture.jsonl', zip([{ name: 'capture.jsonl', data: big }])));
    expect(got).toHaveLength(20_000);
    expect(got.every((l, i) => l.recvTime === i && l.text === `{"n":${i},"pad":"${'z'.repeat(80)}"}`)).toBe(true);
  });

  it('refuses a zip of several entries, another compression method, no entry or a cut end record', async () => {
    const two = put('two.zip', zip([{ name: 'a.data', data: dump }, { name: 'b.data', data: dump }]));
    await expect(readAll(two)).rejects.toThrow(`zip ${two} holds 2 entries; a Bybit dump holds exactly one .data file`);
    const bzip = put('bzip2.zip', zip([{ name: 'a.data', data: dump }], { method: 12 }));
    await expect(readAll(bzip)).rejects.toThrow(`zip ${bzip}: entry a.data uses compression method 12; only stored (0) and deflate (8) are read`);
    const none = put('none.zip', zip([]));
    await expect(readAll(none)).rejects.toThrow(`zip ${none} holds 0 entries`);
    const whole = zip([{ name: 'a.data', data: dump }]);
    const cut = put('cut.zip', whole.subarray(0, whole.length - 30));
    await expect(readAll(cut)).rejects.toThrow(`broken zip ${cut}: no end of central directory`);
    const empty = put('empty-entry.zip', zip([{ name: 'a.data', data: Buffer.alloc(0) }], { method: 0 }));
    await expect(readAll(empty)).rejects.toThrow(`empty file: ${empty} (its entry a.data is empty)`);
  });

  it('rejects an empty file, a missing one and a folder, naming them', async () => {
    const empty = put('empty.jsonl', '');
    await expect(readAll(empty)).rejects.toThrow(`empty file: ${empty}`);
    const missing = join(dir, 'no-such-file.jsonl');
    await expect(readAll(missing)).rejects.toThrow(`cannot read ${missing}: ENOENT`);
    const folder = join(dir, 'a-folder');
    mkdirSync(folder);
    await expect(readAll(folder)).rejects.toThrow(`cannot read ${folder}: EISDIR`);
  });

  it('stops reading when the consumer stops', async () => {
    const body = Array.from({ length: 50_000 }, (_, i) => `${i} {"n":${i}}\n`).join('');
    for (const path of [put('early.jsonl', body), put('early.jsonl.gz', gzipSync(body))]) {
      const seen: number[] = [];
      for await (const line of readFrameLines(path)) {
        seen.push(line.recvTime!);
        if (seen.length === 3) break;
      }
      expect(seen).toEqual([0, 1, 2]);
    }
  });
});

/** Real captures live beside the repository, in ../shared; a fresh clone does not have them. */
const shared = fileURLToPath(new URL('../../../shared/data/bybit/', import.meta.url));
const present = existsSync(shared);
if (!present) console.warn(`frame-reader capture tests skipped: ${shared} is absent (the real Bybit captures live in ../shared)`);

describe.skipIf(!present)('readFrameLines on the shared Bybit captures', () => {
  it.each([
    ['linear-BTCUSDT-orderbook200-trades-tickers.jsonl', 637],
    ['spot-BTCUSDT-orderbook200-trades-tickers.jsonl', 367],
    ['2024-12-01_XRPUSDT_ob500.data', 50],
  ])('reads %s: %i bare frames, first and last as in the file', async (name, count) => {
    const path = shared + name;
    const got = await readAll(path);
    const fileLines = readFileSync(path, 'utf8').split(/\r?\n/).filter((l) => l.length > 0);
    expect(got).toHaveLength(count);
    expect(fileLines).toHaveLength(count);
    expect(got[0].text).toBe(fileLines[0]);
    expect(got[count - 1].text).toBe(fileLines[count - 1]);
    expect(got.map((l) => l.text)).toEqual(fileLines);
    expect(got.every((l, i) => l.recvTime === null && l.lineNo === i + 1 && l.text.startsWith('{"'))).toBe(true);
  });

  it('reads the Bybit dump zipped, as Bybit publishes it, the same as unzipped', async () => {
    const path = shared + '2024-12-01_XRPUSDT_ob500.data';
    const zipped = put('2024-12-01_XRPUSDT_ob500.data.zip', zip([{ name: '2024-12-01_XRPUSDT_ob500.data', data: readFileSync(path) }]));
    expect(await readAll(zipped)).toEqual(await readAll(path));
  });
});
