/**
 * One subscriber's worker: a data volume that outlives everything, and while the subscription is active a
 * hardened container started only after its pids limit is in force.
 */
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { LABELS, workerVolumeName } from "../lib/cell-contract";
import {
  WORKER_PIDS_LIMIT,
  type WorkerSpecInput,
  renderWorkerSpec,
} from "../lib/render/worker-spec";
import { HostCommand, type HostConnection } from "./host-command";

export interface WorkerContainerArgs extends Omit<WorkerSpecInput, "volumeName"> {
  host: HostConnection;
}

export class WorkerContainer extends pulumi.ComponentResource {
  readonly volume: docker.Volume;
  readonly container?: docker.Container;

  constructor(name: string, args: WorkerContainerArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("instantworker:cell:Worker", name, {}, opts);
    const { entry } = args;

    // Never deleted by the engine: leaving the roster keeps the data until an explicit, logged purge.
    this.volume = new docker.Volume(
      `${name}-data`,
      {
        name: workerVolumeName(entry.slug),
        labels: [
          { label: LABELS.cell, value: args.cell },
          { label: LABELS.slug, value: entry.slug },
          { label: LABELS.role, value: "worker-data" },
        ],
      },
      { parent: this, retainOnDelete: true },
    );

    if (entry.state === "active") {
      const spec = renderWorkerSpec({ ...args, volumeName: this.volume.name });
      this.container = new docker.Container(`${name}-container`, spec, {
        parent: this,
        deleteBeforeReplace: true,
      });
      startWithPidsLimit(`${name}-start`, this.container, args.host, this);
    }
    this.registerOutputs({ volume: this.volume.name, container: this.container?.name });
  }
}

/**
 * `docker.Container` has no pids limit. The container is created stopped; this command, replaced whenever
 * the container id changes, sets the limit and only then starts it, and fails unless Docker reports the
 * limit back. Docker keeps HostConfig across restarts, and a replacement is a new id, so the limit holds.
 */
function startWithPidsLimit(
  name: string,
  container: docker.Container,
  host: HostConnection,
  parent: pulumi.Resource,
): HostCommand {
  const limit = WORKER_PIDS_LIMIT;
  const create = pulumi.interpolate`set -eu
docker update --pids-limit ${limit} ${container.id} >/dev/null
test "$(docker inspect -f '{{.HostConfig.PidsLimit}}' ${container.id})" = "${limit}"
docker start ${container.id} >/dev/null`;
  return new HostCommand(
    name,
    { host, create, triggers: [container.id] },
    { parent, dependsOn: [container] },
  );
}
