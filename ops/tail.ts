/**
 * Reads what a log file gained since the last run. The cursor remembers the file's inode and offset, so a
 * rotated or truncated log is read from its start; a line still being written is left for the next run.
 */
import { closeSync, openSync, readSync, statSync } from "node:fs";

export interface FileCursor {
  inode: number;
  offset: number;
}

export function readNewLines(
  path: string,
  cursor: FileCursor | undefined,
  maxBytes: number,
): { lines: string[]; cursor: FileCursor } {
  const stat = statSync(path);
  const start =
    cursor && cursor.inode === stat.ino && cursor.offset <= stat.size ? cursor.offset : 0;
  const length = Math.min(stat.size - start, maxBytes);
  const buffer = Buffer.alloc(length);
  const fd = openSync(path, "r");
  try {
    readSync(fd, buffer, 0, length, start);
  } finally {
    closeSync(fd);
  }
  const complete = buffer.lastIndexOf(0x0a) + 1;
  const text = buffer.subarray(0, complete).toString("utf8");
  return {
    lines: text ? text.slice(0, -1).split("\n") : [],
    cursor: { inode: stat.ino, offset: start + complete },
  };
}
