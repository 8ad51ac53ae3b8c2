/** Docker helpers for the operations tests: throwaway names, volume fixtures and fingerprints. */
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";

export const BASE_IMAGE = "instantworker/debian:bookworm-local";

export const suffix = () => randomBytes(3).toString("hex");

export function docker(...args: string[]): string {
  return execFileSync("docker", args, {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  }).trim();
}

export function imageExists(image: string): boolean {
  try {
    docker("image", "inspect", image);
    return true;
  } catch {
    return false;
  }
}

export function volumeExists(name: string): boolean {
  try {
    docker("volume", "inspect", name);
    return true;
  } catch {
    return false;
  }
}

/** Fills a volume the way a worker would: nested files, a binary blob, a symlink, owner 10001. */
export function fillWorkerVolume(volume: string, marker: string): void {
  const script = [
    "set -e",
    "mkdir -p /data/state/agents/main/agent /data/workspace/notes",
    `printf 'owner notes for %s\\n' '${marker}' > /data/workspace/notes/today.md`,
    "head -c 262144 /dev/urandom > /data/workspace/blob.bin",
    "printf '{}' > /data/state/openclaw.json && chmod 0600 /data/state/openclaw.json",
    "ln -s notes/today.md /data/workspace/latest.md",
    "touch /data/workspace/empty",
    "chown -R 10001:10001 /data",
  ].join("\n");
  docker(
    "run",
    "--rm",
    "--network",
    "none",
    "-v",
    `${volume}:/data`,
    BASE_IMAGE,
    "sh",
    "-c",
    script,
  );
}

/** Every entry's path, type, mode, owner, size, link target and content hash, sorted. */
export function fingerprint(volume: string): string {
  const script =
    "cd /data && find . -printf '%P|%y|%m|%U|%G|%s|%l\\n' | sort && find . -type f -exec sha256sum {} + | sort -k2";
  return docker(
    "run",
    "--rm",
    "--network",
    "none",
    "-v",
    `${volume}:/data:ro`,
    BASE_IMAGE,
    "sh",
    "-c",
    script,
  );
}
