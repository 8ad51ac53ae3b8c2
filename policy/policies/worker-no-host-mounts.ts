import { resourcePolicy } from "../lib/define";
import { asArray, isWorker, show, TYPES } from "../lib/resource";

const DOCKER_SOCKET = /docker\.sock/;

/** Only named volumes and tmpfs: a bind mount or a host path hands the worker part of the host. */
export const workerNoHostMounts = resourcePolicy({
  name: "worker-no-host-mounts",
  description:
    "Checks that no worker container mounts a host path or the Docker socket; only named volumes and tmpfs are allowed.",
  types: [TYPES.container],
  applies: isWorker,
  check({ props }) {
    const problems: string[] = [];
    for (const v of asArray(props.volumes)) {
      if (v?.hostPath) problems.push(hostPathProblem(String(v.hostPath), "it mounts"));
      else if (v?.fromContainer) {
        problems.push(
          `must mount no other container's volumes; it mounts from \`${v.fromContainer}\``,
        );
      } else if (!v?.volumeName)
        problems.push(`must mount only named volumes; it mounts ${show(v)}`);
    }
    for (const m of asArray(props.mounts)) {
      if (m?.type !== "volume" && m?.type !== "tmpfs") {
        problems.push(hostPathProblem(String(m?.source), `it has a \`${m?.type}\` mount of`));
      }
    }
    return problems;
  },
});

function hostPathProblem(path: string, how: string): string {
  const what = DOCKER_SOCKET.test(path)
    ? "must not be given the Docker socket"
    : "must mount no host path";
  return `${what}; ${how} \`${path}\``;
}
