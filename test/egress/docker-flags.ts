/**
 * Turns the inputs a component declared for a `docker.Container` into `docker run` flags, for the fields
 * the egress proxy uses, so a test runs the very spec the program would send. The network is swapped
 * for the test's own, at the same host offset the component chose.
 */
export function dockerRunFlags(
  inputs: Record<string, any>,
  override: { name: string; network: string; address?: string },
): string[] {
  const flags = ["--name", override.name];
  const first = inputs.networksAdvanced?.[0];
  flags.push("--network", override.network);
  if (override.address ?? first?.ipv4Address)
    flags.push("--ip", override.address ?? first.ipv4Address);
  if (inputs.init) flags.push("--init");
  if (inputs.readOnly) flags.push("--read-only");
  if (inputs.user) flags.push("--user", inputs.user);
  if (inputs.memory) flags.push("--memory", `${inputs.memory}m`);
  for (const [target, options] of Object.entries(inputs.tmpfs ?? {})) {
    flags.push("--tmpfs", `${target}:${options}`);
  }
  for (const m of inputs.mounts ?? []) {
    const readonly = m.readOnly ? ",readonly" : "";
    flags.push("--mount", `type=${m.type},source=${m.source},target=${m.target}${readonly}`);
  }
  for (const cap of inputs.capabilities?.drops ?? []) flags.push("--cap-drop", cap);
  for (const cap of inputs.capabilities?.adds ?? []) flags.push("--cap-add", cap);
  for (const opt of inputs.securityOpts ?? []) flags.push("--security-opt", opt);
  for (const l of inputs.labels ?? []) flags.push("--label", `${l.label}=${l.value}`);
  const unsupported = Object.keys(inputs).filter((k) => !HANDLED.has(k));
  if (unsupported.length)
    throw new Error(`dockerRunFlags cannot express ${unsupported.join(", ")}`);
  return [...flags, inputs.image, ...(inputs.command ?? [])];
}

/** Fields translated above, plus those with no effect on a test run (restart policy, health check). */
const HANDLED = new Set([
  "name",
  "image",
  "command",
  "networksAdvanced",
  "init",
  "readOnly",
  "user",
  "memory",
  "tmpfs",
  "mounts",
  "capabilities",
  "securityOpts",
  "labels",
  "restart",
  "healthcheck",
]);
