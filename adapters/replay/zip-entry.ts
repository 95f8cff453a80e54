import type { FileHandle } from 'node:fs/promises';

/** Signatures of the zip records read (PKWARE APPNOTE.TXT, section 4.3). */
export const ZIP_LOCAL = 0x04034b50;
const ZIP_CENTRAL = 0x02014b50;
export const ZIP_END = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_END = 0x06064b50;

/** Where the one entry's data starts and how it is stored: 0 stored, 8 deflate. */
export interface ZipEntry {
  readonly method: 0 | 8;
  readonly compressedSize: number;
  readonly dataOffset: number;
}

/**
 * Finds the one entry of a zip through its central directory (sizes there are right even when the
 * writer streamed the entry with a data descriptor), zip64 included.
 */
export async function zipEntry(handle: FileHandle, size: number, path: string): Promise<ZipEntry> {
  const read = async (position: number, length: number): Promise<Buffer> => {
    const buf = Buffer.alloc(length);
    const { bytesRead } = await handle.read(buf, 0, length, position);
    if (bytesRead < length) throw new Error(`broken zip ${path}: a record at byte ${position} runs past the end of the file`);
    return buf;
  };
  // The end record is the last 22 bytes plus a comment of at most 65535 bytes.
  const tailLength = Math.min(size, 22 + 0xffff);
  const tail = await read(size - tailLength, tailLength);
  const signature = Buffer.alloc(4);
  signature.writeUInt32LE(ZIP_END);
  const end = tail.lastIndexOf(signature);
  if (end < 0 || end + 22 > tail.length) throw new Error(`broken zip ${path}: no end of central directory (file cut short?)`);
  let entries = tail.readUInt16LE(end + 10);
  let directory = tail.readUInt32LE(end + 16);
  if (entries === 0xffff || directory === 0xffffffff) {
    const locatorAt = size - tailLength + end - 20;
    const locator = locatorAt >= 0 ? await read(locatorAt, 20) : null;
    if (locator === null || locator.readUInt32LE(0) !== ZIP64_LOCATOR) throw new Error(`broken zip ${path}: zip64 locator missing`);
    const end64 = await read(Number(locator.readBigUInt64LE(8)), 56);
    if (end64.readUInt32LE(0) !== ZIP64_END) throw new Error(`broken zip ${path}: zip64 end record missing`);
    entries = Number(end64.readBigUInt64LE(32));
    directory = Number(end64.readBigUInt64LE(48));
  }
  if (entries !== 1) throw new Error(`zip ${path} holds ${entries} entries; a Bybit dump holds exactly one .data file`);
  const central = await read(directory, 46);
  if (central.readUInt32LE(0) !== ZIP_CENTRAL) throw new Error(`broken zip ${path}: no central directory entry at byte ${directory}`);
  const flags = central.readUInt16LE(8);
  const method = central.readUInt16LE(10);
  const names = await read(directory + 46, central.readUInt16LE(28) + central.readUInt16LE(30));
  const name = names.toString('utf8', 0, central.readUInt16LE(28));
  const sizes = zip64Sizes(central, names.subarray(central.readUInt16LE(28)));
  if ((flags & 1) !== 0) throw new Error(`zip ${path}: entry ${name} is encrypted`);
  if (method !== 0 && method !== 8) {
    throw new Error(`zip ${path}: entry ${name} uses compression method ${method}; only stored (0) and deflate (8) are read`);
  }
  if (sizes.uncompressed === 0) throw new Error(`empty file: ${path} (its entry ${name} is empty)`);
  const local = await read(sizes.localOffset, 30);
  if (local.readUInt32LE(0) !== ZIP_LOCAL) throw new Error(`broken zip ${path}: no local header for ${name} at byte ${sizes.localOffset}`);
  const dataOffset = sizes.localOffset + 30 + local.readUInt16LE(26) + local.readUInt16LE(28);
  if (dataOffset + sizes.compressed > size) throw new Error(`broken zip ${path}: entry ${name} runs past the end of the file`);
  return { method, compressedSize: sizes.compressed, dataOffset };
}

/** Sizes and offset of a central directory entry; a field of all ones is in the zip64 extra field (id 1). */
function zip64Sizes(central: Buffer, extra: Buffer): { compressed: number; uncompressed: number; localOffset: number } {
  let uncompressed = central.readUInt32LE(24);
  let compressed = central.readUInt32LE(20);
  let localOffset = central.readUInt32LE(42);
  for (let at = 0; at + 4 <= extra.length; ) {
    const id = extra.readUInt16LE(at);
    const length = extra.readUInt16LE(at + 2);
    if (id === 1) {
      // The zip64 field holds, in this order, only the values whose 32-bit field is all ones.
      let p = at + 4;
      const next = (): number => {
        const v = Number(extra.readBigUInt64LE(p));
        p += 8;
        return v;
      };
      if (uncompressed === 0xffffffff) uncompressed = next();
      if (compressed === 0xffffffff) compressed = next();
      if (localOffset === 0xffffffff) localOffset = next();
    }
    at += 4 + length;
  }
  return { compressed, uncompressed, localOffset };
}
