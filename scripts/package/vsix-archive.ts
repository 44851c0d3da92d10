/**
 * Reads what a VSIX (a zip archive) holds: its entries with their sizes, and
 * the content of one entry. Enough of the zip format for the archives vsce
 * writes (stored or deflated entries, no zip64), so `npm run package` and its
 * tests check the very file a user installs without another dependency.
 */
import { readFileSync } from 'node:fs';
import { inflateRawSync } from 'node:zlib';

export interface VsixEntry {
  /** The path inside the archive, e.g. `extension/dist/extension.js`. */
  path: string;
  /** Bytes once extracted. */
  size: number;
  /** Bytes in the archive. */
  compressedSize: number;
  method: number;
  localHeaderOffset: number;
}

export interface VsixArchive {
  /** The archive's own size in bytes. */
  bytes: number;
  entries: VsixEntry[];
  /** The extracted content of the entry at `path` (case-insensitive, as VS Code's installer reads them). */
  read(path: string): Buffer | undefined;
}

const END_OF_CENTRAL_DIRECTORY = 0x06054b50;
const CENTRAL_FILE_HEADER = 0x02014b50;
const LOCAL_FILE_HEADER = 0x04034b50;

/** Opens the VSIX at `file`; throws naming the file when it is not a zip archive. */
export function readVsix(file: string): VsixArchive {
  return parseVsix(readFileSync(file), file);
}

/** The same over bytes already read. */
export function parseVsix(data: Buffer, name = 'the VSIX'): VsixArchive {
  // The end record sits in the last 22 bytes plus a comment of at most 64 KiB.
  let end = -1;
  for (let at = data.length - 22; at >= Math.max(0, data.length - 22 - 0xffff); at--) {
    if (data.readUInt32LE(at) === END_OF_CENTRAL_DIRECTORY) {
      end = at;
      break;
    }
  }
  if (end < 0) throw new Error(`${name} is not a zip archive (no end-of-central-directory record)`);
  const count = data.readUInt16LE(end + 10);
  let at = data.readUInt32LE(end + 16);
  const entries: VsixEntry[] = [];
  for (let i = 0; i < count; i++) {
    if (at + 46 > data.length || data.readUInt32LE(at) !== CENTRAL_FILE_HEADER)
      throw new Error(`${name}: central directory entry ${i + 1} of ${count} is damaged`);
    const nameLength = data.readUInt16LE(at + 28);
    const extraLength = data.readUInt16LE(at + 30);
    const commentLength = data.readUInt16LE(at + 32);
    entries.push({
      path: data.toString('utf8', at + 46, at + 46 + nameLength),
      method: data.readUInt16LE(at + 10),
      compressedSize: data.readUInt32LE(at + 20),
      size: data.readUInt32LE(at + 24),
      localHeaderOffset: data.readUInt32LE(at + 42),
    });
    at += 46 + nameLength + extraLength + commentLength;
  }
  const byPath = new Map(entries.map((entry) => [entry.path.toLowerCase(), entry]));
  return {
    bytes: data.length,
    entries,
    read(path) {
      const entry = byPath.get(path.toLowerCase());
      if (!entry) return undefined;
      const local = entry.localHeaderOffset;
      if (data.readUInt32LE(local) !== LOCAL_FILE_HEADER) throw new Error(`${name}: ${entry.path} is damaged`);
      const start = local + 30 + data.readUInt16LE(local + 26) + data.readUInt16LE(local + 28);
      const raw = data.subarray(start, start + entry.compressedSize);
      if (entry.method === 0) return Buffer.from(raw);
      if (entry.method === 8) return inflateRawSync(raw);
      throw new Error(`${name}: ${entry.path} uses zip method ${entry.method}, which vsce never writes`);
    },
  };
}
