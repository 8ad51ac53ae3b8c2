/**
 * The cell's host firewall as a shell script of iptables commands, rendered from the fixed addresses.
 * Forwarded traffic is filtered in Docker's DOCKER-USER chain (Docker never touches it), through a chain
 * of our own that is rebuilt whole on every apply, so a rerun converges and leaves no stale rule. The
 * rules depend only on the subnet and the service addresses: a signup changes none of them.
 */
import { PORTS, serviceAddress } from "../cell-contract";
import { type Cidr, formatCidr } from "../net";

export interface FirewallInput {
  /** Bridge interface of the workers network (its `com.docker.network.bridge.name`). */
  bridge: string;
  workers: Cidr;
  /** Chain names; tests use their own so they never touch a real cell's rules. */
  forwardChain?: string;
  inputChain?: string;
}

export interface FirewallRule {
  chain: string;
  args: string[];
}

export function firewallRules(input: FirewallInput): FirewallRule[] {
  const fwd = input.forwardChain ?? "IW-FORWARD";
  const inp = input.inputChain ?? "IW-INPUT";
  const br = input.bridge;
  const subnet = formatCidr(input.workers);
  const edge = serviceAddress(input.workers, "edgeProxy");
  const model = serviceAddress(input.workers, "modelGateway");
  const egress = serviceAddress(input.workers, "egressProxy");
  const onBridge = ["-i", br, "-o", br];
  return [
    {
      chain: fwd,
      args: [...onBridge, "-m", "conntrack", "--ctstate", "ESTABLISHED,RELATED", "-j", "ACCEPT"],
    },
    {
      chain: fwd,
      args: [...onBridge, "-s", subnet, "-d", model, ...tcp(PORTS.modelGateway), "-j", "ACCEPT"],
    },
    {
      chain: fwd,
      args: [...onBridge, "-s", subnet, "-d", egress, ...tcp(PORTS.egressProxy), "-j", "ACCEPT"],
    },
    {
      chain: fwd,
      args: [
        ...onBridge,
        "-s",
        edge,
        "-d",
        subnet,
        ...tcp(PORTS.gateway, PORTS.novnc),
        "-j",
        "ACCEPT",
      ],
    },
    // Everything else that enters or leaves the workers bridge is dropped, whatever Docker would allow.
    { chain: fwd, args: ["-i", br, "-j", "DROP"] },
    { chain: fwd, args: ["-o", br, "-j", "DROP"] },
    { chain: fwd, args: ["-j", "RETURN"] },
    // The host's own address on the bridge answers nothing a worker sends, replies excepted.
    {
      chain: inp,
      args: ["-i", br, "-m", "conntrack", "--ctstate", "ESTABLISHED,RELATED", "-j", "ACCEPT"],
    },
    { chain: inp, args: ["-i", br, "-j", "DROP"] },
    { chain: inp, args: ["-j", "RETURN"] },
  ];
}

function tcp(...ports: number[]): string[] {
  return ports.length === 1
    ? ["-p", "tcp", "--dport", String(ports[0])]
    : ["-p", "tcp", "-m", "multiport", "--dports", ports.join(",")];
}

/** An idempotent script: create the chains, hook them in once, rebuild their contents. */
export function renderFirewallScript(input: FirewallInput): string {
  const fwd = input.forwardChain ?? "IW-FORWARD";
  const inp = input.inputChain ?? "IW-INPUT";
  const lines = [
    "#!/bin/sh",
    "# Rendered by the InstantWorker cell program; applied on boot and on every deploy.",
    "set -eu",
    `ipt() { iptables -w 10 "$@"; }`,
    "ipt -N DOCKER-USER 2>/dev/null || true",
    `ipt -N ${fwd} 2>/dev/null || true`,
    `ipt -N ${inp} 2>/dev/null || true`,
    `ipt -F ${fwd}`,
    `ipt -F ${inp}`,
    ...firewallRules(input).map((r) => `ipt -A ${r.chain} ${r.args.join(" ")}`),
    `ipt -C DOCKER-USER -j ${fwd} 2>/dev/null || ipt -I DOCKER-USER 1 -j ${fwd}`,
    `ipt -C INPUT -j ${inp} 2>/dev/null || ipt -I INPUT 1 -j ${inp}`,
  ];
  return `${lines.join("\n")}\n`;
}

/** Removes exactly what `renderFirewallScript` added. */
export function renderFirewallRemoval(input: FirewallInput): string {
  const fwd = input.forwardChain ?? "IW-FORWARD";
  const inp = input.inputChain ?? "IW-INPUT";
  return [
    "#!/bin/sh",
    `ipt() { iptables -w 10 "$@"; }`,
    `while ipt -D DOCKER-USER -j ${fwd} 2>/dev/null; do :; done`,
    `while ipt -D INPUT -j ${inp} 2>/dev/null; do :; done`,
    `ipt -F ${fwd} 2>/dev/null || true`,
    `ipt -X ${fwd} 2>/dev/null || true`,
    `ipt -F ${inp} 2>/dev/null || true`,
    `ipt -X ${inp} 2>/dev/null || true`,
    "",
  ].join("\n");
}
