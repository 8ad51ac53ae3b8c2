/**
 * Reads a tar stream into a manifest: every entry's path, type, mode, owner, size and, for files, the
 * SHA-256 of its content. Two manifests that are equal describe the same files byte for byte, which is how
 * an archive is verified against the live volume and a restore against the archive, without unpacking
 * anything to disk. Understands ustar, PAX and GNU long-name headers (what Docker produces).
 */
import { createHash, type Hash } from "node:crypto";
import type { Readable } from "node:stream";

export interface ManifestEntry {
  type: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  link: string;
  sha256: string;
}

export type Manifest = Map<string, ManifestEntry>;

const BLOCK = 512;

function field(block: Buffer, start: number, length: number): string {
  const raw = block.subarray(start, start + length);
  const end = raw.indexOf(0);
  return raw.subarray(0, end === -1 ? length : end).toString("utf8");
}

function octal(block: Buffer, start: number, length: number): number {
  const text = field(block, start, length).trim();
  return text ? parseInt(text, 8) : 0;
}

function paxRecords(data: Buffer): Record<string, string> {
  const records: Record<string, string> = {};
  let offset = 0;
  while (offset < data.length) {
    const space = data.indexOf(0x20, offset);
    if (space === -1) break;
    const length = Number(data.subarray(offset, space).toString());
    if (!length) break;
    const record = data.subarray(space + 1, offset + length - 1).toString("utf8");
    const eq = record.indexOf("=");
    records[record.slice(0, eq)] = record.slice(eq + 1);
    offset += length;
  }
  return records;
}

/** Entry names are kept relative ("data/notes.txt" and "./data/notes.txt" are the same entry). */
function normalise(name: string): string {
  return name.replace(/^\.\//, "").replace(/\/$/, "");
}

interface Pending {
  header: {
    name: string;
    type: string;
    mode: number;
    uid: number;
    gid: number;
    size: number;
    link: string;
  };
  remaining: number;
  padding: number;
  hash?: Hash;
  meta?: Buffer[];
}

export async function readManifest(stream: Readable): Promise<Manifest> {
  const manifest: Manifest = new Map();
  let buffer: Buffer = Buffer.alloc(0);
  let current: Pending | undefined;
  let overrides: { path?: string; linkpath?: string; size?: string } = {};
  let done = false;

  const finish = (entry: Pending) => {
    const { header } = entry;
    if (header.type === "x" || header.type === "L" || header.type === "K") {
      const data = Buffer.concat(entry.meta ?? []);
      if (header.type === "x") overrides = { ...overrides, ...paxRecords(data) };
      else if (header.type === "L") overrides.path = field(data, 0, data.length);
      else overrides.linkpath = field(data, 0, data.length);
      return;
    }
    if (header.type === "g") return;
    const name = normalise(overrides.path ?? header.name);
    manifest.set(name, {
      type: header.type,
      mode: header.mode,
      uid: header.uid,
      gid: header.gid,
      size: header.size,
      link: overrides.linkpath ?? header.link,
      sha256: entry.hash ? entry.hash.digest("hex") : "",
    });
    overrides = {};
  };

  const startEntry = (block: Buffer): Pending | undefined => {
    if (block.every((b) => b === 0)) {
      done = true;
      return undefined;
    }
    const prefix = field(block, 345, 155);
    const base = field(block, 0, 100);
    const rawType = String.fromCharCode(block[156] || 0x30);
    const type = rawType === "\0" ? "0" : rawType;
    const header = {
      name: prefix ? `${prefix}/${base}` : base,
      type,
      mode: octal(block, 100, 8),
      uid: octal(block, 108, 8),
      gid: octal(block, 116, 8),
      size: overrides.size ? Number(overrides.size) : octal(block, 124, 12),
      link: field(block, 157, 100),
    };
    const isMeta = ["x", "g", "L", "K"].includes(type);
    const isFile = type === "0" || type === "7";
    return {
      header,
      remaining: header.size,
      padding: (BLOCK - (header.size % BLOCK)) % BLOCK,
      hash: isFile ? createHash("sha256") : undefined,
      meta: isMeta ? [] : undefined,
    };
  };

  for await (const chunk of stream) {
    buffer = buffer.length ? Buffer.concat([buffer, chunk as Buffer]) : (chunk as Buffer);
    while (!done) {
      if (!current) {
        if (buffer.length < BLOCK) break;
        current = startEntry(buffer.subarray(0, BLOCK));
        buffer = buffer.subarray(BLOCK);
        if (!current) break;
        continue;
      }
      if (current.remaining > 0) {
        if (!buffer.length) break;
        const take = buffer.subarray(0, Math.min(current.remaining, buffer.length));
        current.hash?.update(take);
        current.meta?.push(Buffer.from(take));
        current.remaining -= take.length;
        buffer = buffer.subarray(take.length);
        continue;
      }
      if (buffer.length < current.padding) break;
      buffer = buffer.subarray(current.padding);
      finish(current);
      current = undefined;
    }
  }
  if (current) throw new Error(`tar stream ended inside entry \`${current.header.name}\``);
  if (!done && manifest.size === 0) throw new Error("tar stream held no entries");
  return manifest;
}

/** The first difference between two manifests, or undefined when they describe the same files. */
export function compareManifests(expected: Manifest, actual: Manifest): string | undefined {
  for (const [name, entry] of expected) {
    const other = actual.get(name);
    if (!other) return `\`${name}\` is missing`;
    for (const key of ["type", "mode", "uid", "gid", "size", "link", "sha256"] as const) {
      if (entry[key] !== other[key]) return `\`${name}\` differs in ${key}`;
    }
  }
  for (const name of actual.keys()) if (!expected.has(name)) return `\`${name}\` is unexpected`;
  return undefined;
}
