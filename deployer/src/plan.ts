/**
 * Reads a preview's steps and decides what the update may do: how many running workers it would stop
 * (checked against the deployer's own bound, on top of the program's deletion guard), and whether the
 * update can be targeted at the changed workers alone.
 */
export interface PreviewStep {
  op: string;
  urn: string;
  type: string;
}

export interface UpdatePlan {
  changed: boolean;
  /** Running workers the update would stop: deletes of a container inside a worker component. */
  workerDeletes: string[];
  /** URNs to pass as `--target`, or undefined when only a whole-cell update is safe. */
  targets?: string[];
}

const UNCHANGED = new Set(["same", "read"]);
/** Steps that only create or change resources; a plain delete or an import makes the run whole-cell. */
const TARGETABLE = new Set([
  "create",
  "update",
  "replace",
  "create-replacement",
  "delete-replaced",
]);
const CONTAINER_TYPE = "docker:index/container:Container";

export function planUpdate(steps: PreviewStep[], workerType: string): UpdatePlan {
  const changes = steps.filter((s) => !UNCHANGED.has(s.op));
  const workerDeletes = changes
    .filter(
      (s) => s.op === "delete" && s.type === CONTAINER_TYPE && insideWorker(s.urn, workerType),
    )
    .map((s) => s.urn);
  const targetable =
    changes.length > 0 &&
    changes.every((s) => TARGETABLE.has(s.op) && insideWorker(s.urn, workerType));
  const targets = targetable ? [...new Set(changes.map((s) => s.urn))].sort() : undefined;
  return { changed: changes.length > 0, workerDeletes, targets };
}

/** A URN's qualified type lists its ancestors' types joined by `$`: `urn:pulumi:s::p::A$B$C::name`. */
export function insideWorker(urn: string, workerType: string): boolean {
  const parts = urn.split("::");
  if (parts.length < 4) return false;
  return parts[2].split("$").includes(workerType);
}
