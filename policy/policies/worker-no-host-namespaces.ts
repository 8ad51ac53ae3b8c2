import { resourcePolicy } from "../lib/define";
import { isWorker, TYPES } from "../lib/resource";

/** Sharing with the host or with another container both leave the worker's own namespace. */
const SHARED = /^(host|container:|shareable$)/;

/**
 * `docker.Container` has no UTS mode input, so a worker cannot be given the host's UTS namespace through
 * this provider; the fields below are every namespace it can set.
 */
const NAMESPACE_FIELDS = [
  "networkMode",
  "pidMode",
  "ipcMode",
  "usernsMode",
  "cgroupnsMode",
] as const;

export const workerNoHostNamespaces = resourcePolicy({
  name: "worker-no-host-namespaces",
  description:
    "Checks that no worker container shares the host's (or another container's) network, PID, IPC, user or cgroup namespace.",
  types: [TYPES.container],
  applies: isWorker,
  check({ props }) {
    return NAMESPACE_FIELDS.filter(
      (field) => typeof props[field] === "string" && SHARED.test(props[field]),
    ).map((field) => `must keep its own namespaces; \`${field}\` is \`${props[field]}\``);
  },
});
