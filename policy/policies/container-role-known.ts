import { LABELS } from "../../lib/cell-contract";
import { resourcePolicy } from "../lib/define";
import { isWorker, roleOf, show, TYPES } from "../lib/resource";

const ROLES = ["worker", "edge-proxy", "gatekeeper", "model-gateway", "model-db", "egress-proxy"];

/** The pack picks its checks by role, so a missing or misleading role would slip a container past them. */
export const containerRoleKnown = resourcePolicy({
  name: "container-role-known",
  description:
    "Checks that every container carries a known role label and that worker containers are labelled as workers.",
  types: [TYPES.container],
  check({ props }) {
    const role = roleOf(props);
    if (role === undefined || !ROLES.includes(role)) {
      return [`must carry a \`${LABELS.role}\` label of ${ROLES.join(", ")}; it is ${show(role)}`];
    }
    if (isWorker(props) && role !== "worker") {
      return [`must be labelled \`${LABELS.role}=worker\`, as its name says; it is \`${role}\``];
    }
    return [];
  },
});
