/**
 * Turns the inputs the program gives a `docker.Container` (as recorded under Pulumi's mocks) into
 * `docker create` flags, so the confinement tests start the worker from exactly what the program
 * declares. A field this does not know fails the test: a new setting must never be dropped silently.
 */
import { plain } from "../support/cell";

type Inputs = Record<string, any>;

/** Fields handled by the Pulumi provider itself, with no `docker create` counterpart. */
const PROVIDER_ONLY = new Set(["start", "mustRun", "destroyGraceSeconds"]);

const FLAGS: Record<string, (value: any) => string[]> = {
  name: (v: string) => ["--name", v],
  hostname: (v: string) => ["--hostname", v],
  user: (v: string) => ["--user", v],
  capabilities: (v: { drops?: string[]; adds?: string[] }) => [
    ...(v.drops ?? []).flatMap((c) => ["--cap-drop", c]),
    ...(v.adds ?? []).flatMap((c) => ["--cap-add", c]),
  ],
  securityOpts: (v: string[]) => v.flatMap((o) => ["--security-opt", o]),
  privileged: (v: boolean) => (v ? ["--privileged"] : []),
  readOnly: (v: boolean) => (v ? ["--read-only"] : []),
  memory: (v: number) => ["--memory", `${v}m`],
  memorySwap: (v: number) => ["--memory-swap", `${v}m`],
  cpus: (v: string) => ["--cpus", v],
  shmSize: (v: number) => ["--shm-size", `${v}m`],
  tmpfs: (v: Record<string, string>) =>
    Object.entries(v).flatMap(([p, o]) => ["--tmpfs", `${p}:${o}`]),
  ipcMode: (v: string) => ["--ipc", v],
  init: (v: boolean) => (v ? ["--init"] : []),
  networksAdvanced: (v: { name: string; ipv4Address?: string }[]) => {
    if (v.length !== 1) throw new Error(`expected one network, the program declared ${v.length}`);
    return ["--network", v[0].name, ...(v[0].ipv4Address ? ["--ip", v[0].ipv4Address] : [])];
  },
  volumes: (v: { volumeName: string; containerPath: string; readOnly?: boolean }[]) =>
    v.flatMap((m) => ["-v", `${m.volumeName}:${m.containerPath}${m.readOnly ? ":ro" : ""}`]),
  envs: (v: string[]) => v.flatMap((e) => ["-e", e]),
  labels: (v: { label: string; value: string }[]) =>
    v.flatMap((l) => ["--label", `${l.label}=${l.value}`]),
  healthcheck: (v: Inputs) => {
    const [kind, ...cmd] = v.tests as string[];
    if (kind !== "CMD") throw new Error(`health check kind \`${kind}\` is not handled here`);
    return [
      "--health-cmd",
      cmd.map(shellQuote).join(" "),
      ...(v.interval ? ["--health-interval", v.interval] : []),
      ...(v.timeout ? ["--health-timeout", v.timeout] : []),
      ...(v.startPeriod ? ["--health-start-period", v.startPeriod] : []),
      ...(v.retries !== undefined ? ["--health-retries", String(v.retries)] : []),
    ];
  },
  restart: (v: string) => ["--restart", v],
  logDriver: (v: string) => ["--log-driver", v],
  logOpts: (v: Record<string, string>) =>
    Object.entries(v).flatMap(([k, o]) => ["--log-opt", `${k}=${o}`]),
  stopTimeout: (v: number) => ["--stop-timeout", String(v)],
};

/** `docker create` arguments (without `create` itself), the image last. */
export function containerCreateArgs(recorded: Inputs): string[] {
  const inputs = Object.fromEntries(Object.entries(recorded).map(([k, v]) => [k, plain(v)]));
  const args: string[] = [];
  for (const [key, value] of Object.entries(inputs)) {
    if (key === "image" || PROVIDER_ONLY.has(key) || value === undefined) continue;
    const flag = FLAGS[key];
    if (!flag) throw new Error(`container input \`${key}\` has no docker create flag in this test`);
    args.push(...flag(value));
  }
  return [...args, inputs.image];
}

function shellQuote(word: string): string {
  return /^[\w./:=-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
