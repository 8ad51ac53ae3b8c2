import { NETWORKS } from "../../lib/cell-contract";
import { resourcePolicy } from "../lib/define";
import { networksOf, roleOf, TYPES } from "../lib/resource";

/**
 * Who may sit on each network beside the workers network. The gatekeeper is on the edge network
 * because Caddy asks it about every request there; the model database only meets the model gateway.
 */
const DEFAULT_ROLES: Record<string, string[]> = {
  [NETWORKS.egress]: ["edge-proxy", "model-gateway", "egress-proxy"],
  [NETWORKS.edge]: ["edge-proxy", "gatekeeper"],
  [NETWORKS.modelDb]: ["model-gateway", "model-db"],
};

export const serviceNetworksRestricted = resourcePolicy({
  name: "service-networks-restricted",
  description:
    "Checks that only the edge proxy, the model gateway and the egress proxy reach the egress network, and only their partners the edge and model-database networks.",
  types: [TYPES.container],
  defaults: { allowedRoles: DEFAULT_ROLES },
  check({ props, config }) {
    const role = roleOf(props) ?? "unlabelled";
    const problems: string[] = [];
    for (const network of networksOf(props)) {
      const allowed = config.allowedRoles[network];
      if (network === "host") {
        problems.push("must not use the host's network; `networkMode` is `host`");
      } else if (allowed && !allowed.includes(role)) {
        problems.push(
          `must not be attached to \`${network}\`, which only ${allowed.join(", ")} may join; its role is \`${role}\``,
        );
      }
    }
    return problems;
  },
});
