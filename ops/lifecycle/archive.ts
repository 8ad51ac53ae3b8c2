/**
 * Moving a data volume into an archive and back, through the Docker Engine API only. A helper container
 * that is created but never started mounts the volume at /data; Docker streams that path out as a tar
 * (GET archive) and unpacks a tar into it (PUT archive), keeping owners and modes. No process runs in
 * the helper, so its image only has to exist locally.
 */
import { createHash, randomBytes } from "node:crypto";
import {
  createReadStream,
  createWriteStream,
  mkdirSync,
  readFileSync,
  writeFileSync,
} from "node:fs";
import { basename, join } from "node:path";
import { PassThrough, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGunzip, createGzip } from "node:zlib";
import { LABELS } from "../../lib/cell-contract";
import type { DockerApi } from "../docker-api";
import { OpsError } from "../errors";
import { compareManifests, readManifest, type Manifest } from "./tar-manifest";

export async function listWorkerVolumes(api: DockerApi): Promise<string[]> {
  const filters = encodeURIComponent(JSON.stringify({ name: ["iw-data-"] }));
  const result = await api.json<{ Volumes: Array<{ Name: string }> | null }>(
    "GET",
    `/volumes?filters=${filters}`,
  );
  return (result.Volumes ?? []).map((v) => v.Name).filter((n) => n.startsWith("iw-data-"));
}

export async function containersUsing(api: DockerApi, volume: string): Promise<string[]> {
  const filters = encodeURIComponent(JSON.stringify({ volume: [volume] }));
  const list = await api.json<Array<{ Names: string[] }>>(
    "GET",
    `/containers/json?all=1&filters=${filters}`,
  );
  return list.map((c) => c.Names[0]?.replace(/^\//, "") ?? "?");
}

async function withHelper<T>(
  api: DockerApi,
  image: string,
  bind: string,
  use: (id: string) => Promise<T>,
): Promise<T> {
  const name = `iw-archive-helper-${randomBytes(4).toString("hex")}`;
  const created = await api.json<{ Id: string }>("POST", `/containers/create?name=${name}`, {
    Image: image,
    Cmd: ["true"],
    Labels: { [LABELS.role]: "archive-helper" },
    HostConfig: { Binds: [bind], NetworkMode: "none" },
  });
  try {
    return await use(created.Id);
  } finally {
    await api.json("DELETE", `/containers/${created.Id}?force=1&v=0`);
  }
}

/** The manifest of what the volume holds right now. */
export async function volumeManifest(
  api: DockerApi,
  volume: string,
  image: string,
): Promise<Manifest> {
  return withHelper(api, image, `${volume}:/data:ro`, async (id) =>
    readManifest(await api.stream("GET", `/containers/${id}/archive?path=/data`)),
  );
}

function hashing(hash: ReturnType<typeof createHash>): Transform {
  return new Transform({
    transform(chunk, _encoding, done) {
      hash.update(chunk);
      done(null, chunk);
    },
  });
}

export interface ArchiveResult {
  path: string;
  sha256: string;
}

/** Writes `<dir>/<volume>-<time>.tar.gz` and a `sha256sum`-style sidecar next to it. */
export async function archiveVolume(
  api: DockerApi,
  volume: string,
  dir: string,
  image: string,
  now: Date,
): Promise<ArchiveResult> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d+Z$/, "Z");
  const path = join(dir, `${volume}-${stamp}.tar.gz`);
  const hash = createHash("sha256");
  await withHelper(api, image, `${volume}:/data:ro`, async (id) => {
    const tar = await api.stream("GET", `/containers/${id}/archive?path=/data`);
    await pipeline(
      tar,
      createGzip(),
      hashing(hash),
      createWriteStream(path, { mode: 0o600, flags: "wx" }),
    );
  });
  const sha256 = hash.digest("hex");
  writeFileSync(`${path}.sha256`, `${sha256}  ${basename(path)}\n`, { mode: 0o600 });
  return { path, sha256 };
}

async function fileSha256(path: string): Promise<string> {
  const hash = createHash("sha256");
  await pipeline(createReadStream(path), hashing(hash), new PassThrough().resume());
  return hash.digest("hex");
}

/** Checks the archive against its sidecar checksum and returns the manifest of what it holds. */
export async function readVerifiedArchive(path: string): Promise<Manifest> {
  let recorded: string;
  try {
    recorded = readFileSync(`${path}.sha256`, "utf8").split(/\s+/)[0];
  } catch {
    throw new OpsError(
      `Archive \`${path}\` has no \`.sha256\` file beside it; it cannot be trusted.`,
    );
  }
  const actual = await fileSha256(path);
  if (actual !== recorded) {
    throw new OpsError(`Archive \`${path}\` does not match its recorded SHA-256; it is damaged.`);
  }
  return readManifest(createReadStream(path).pipe(createGunzip()));
}

/** Proves the archive holds exactly what the volume holds; throws with the first difference. */
export async function verifyAgainstVolume(
  api: DockerApi,
  path: string,
  volume: string,
  image: string,
): Promise<number> {
  const archived = await readVerifiedArchive(path);
  const live = await volumeManifest(api, volume, image);
  const difference = compareManifests(live, archived);
  if (difference)
    throw new OpsError(`Archive \`${path}\` does not match volume \`${volume}\`: ${difference}.`);
  return archived.size;
}

/** Unpacks an archive into a volume that must not exist yet, then checks the result entry by entry. */
export async function restoreArchive(
  api: DockerApi,
  path: string,
  volume: string,
  image: string,
  labels: Record<string, string> = {},
): Promise<number> {
  const archived = await readVerifiedArchive(path);
  const existing = await api.json<{ Volumes: Array<{ Name: string }> | null }>("GET", "/volumes");
  if ((existing.Volumes ?? []).some((v) => v.Name === volume)) {
    throw new OpsError(
      `Volume \`${volume}\` already exists; restore into a new name, nothing is overwritten.`,
    );
  }
  await api.json("POST", "/volumes/create", { Name: volume, Labels: labels });
  await withHelper(api, image, `${volume}:/data`, async (id) => {
    await api.upload(`/containers/${id}/archive?path=/`, createReadStream(path));
  });
  const restored = await volumeManifest(api, volume, image);
  const difference = compareManifests(archived, restored);
  if (difference)
    throw new OpsError(`Restored volume \`${volume}\` does not match \`${path}\`: ${difference}.`);
  return restored.size;
}
