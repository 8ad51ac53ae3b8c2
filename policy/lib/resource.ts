/**
 * How the pack reads the provider input shapes it checks. Policies see plain JSON (CrossGuard unwraps
 * secrets before a policy runs), so everything here works on records, never on Pulumi classes.
 */
import { LABELS, NETWORKS } from "../../lib/cell-contract";

export const TYPES = {
  container: "docker:index/container:Container",
  network: "docker:index/network:Network",
  volume: "docker:index/volume:Volume",
  remoteImage: "docker:index/remoteImage:RemoteImage",
  localCommand: "command:local:Command",
  remoteCommand: "command:remote:Command",
  firewall: "hcloud:index/firewall:Firewall",
} as const;

export type Props = Record<string, any>;

/** Docker labels arrive as `[{ label, value }]`; a later duplicate wins, as it does in Docker. */
export function labelsOf(props: Props): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const entry of asArray(props.labels)) {
    if (entry && typeof entry.label === "string") labels[entry.label] = String(entry.value ?? "");
  }
  return labels;
}

export function roleOf(props: Props): string | undefined {
  return labelsOf(props)[LABELS.role];
}

/** A container is a worker when labelled so or named so: a relabelled worker stays under every check. */
export function isWorker(props: Props): boolean {
  return roleOf(props) === "worker" || String(props.name ?? "").startsWith("iw-worker-");
}

export function isWorkerVolume(props: Props): boolean {
  return roleOf(props) === "worker-data" || String(props.name ?? "").startsWith("iw-data-");
}

/** Environment entries `NAME=value`, in order; an entry without `=` is a name with an empty value. */
export function envOf(props: Props): Array<[string, string]> {
  return asArray(props.envs).map((entry) => {
    const text = String(entry);
    const at = text.indexOf("=");
    return at < 0 ? [text, ""] : [text.slice(0, at), text.slice(at + 1)];
  });
}

export function envRecord(props: Props): Record<string, string> {
  return Object.fromEntries(envOf(props));
}

/** Every network a container joins: its `networksAdvanced` entries and a non-default `networkMode`. */
export function networksOf(props: Props): string[] {
  const names = asArray(props.networksAdvanced).map((n) => String(n?.name ?? ""));
  const mode = props.networkMode;
  if (typeof mode === "string" && mode !== "" && mode !== "default") names.push(mode);
  return names;
}

/** How a violation names the resource: what it is and the name the engine or Docker knows it by. */
export function describe(type: string, props: Props, name: string): string {
  const shown = `\`${typeof props.name === "string" && props.name !== "" ? props.name : name}\``;
  if (type === TYPES.container) {
    return isWorker(props) ? `Worker container ${shown}` : `Container ${shown}`;
  }
  if (type === TYPES.volume) return `Volume ${shown}`;
  if (type === TYPES.network) return `Network ${shown}`;
  if (type === TYPES.firewall) return `Host firewall ${shown}`;
  if (type === TYPES.remoteImage) return `Image ${shown}`;
  return `Resource ${shown}`;
}

export function asArray(value: unknown): any[] {
  return Array.isArray(value) ? value : [];
}

/** Values are shown in messages as JSON in backticks, clipped so a message stays one readable line. */
export function show(value: unknown): string {
  const text = value === undefined ? "unset" : JSON.stringify(value);
  return `\`${text.length > 80 ? `${text.slice(0, 77)}...` : text}\``;
}

export const SERVICE_NETWORKS = [NETWORKS.egress, NETWORKS.edge, NETWORKS.modelDb] as const;
