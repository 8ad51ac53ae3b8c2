import { CLOUDFLARE_RANGES } from "../../lib/cloudflare-ranges";
import { resourcePolicy } from "../lib/define";
import { admitsTcpPort, inboundRules } from "../lib/firewall";
import { TYPES } from "../lib/resource";

export const hostWebCloudflareOnly = resourcePolicy({
  name: "host-web-cloudflare-only",
  description:
    "Checks that the host firewall admits ports 80 and 443 only from Cloudflare's ranges.",
  types: [TYPES.firewall],
  defaults: { webPorts: [80, 443], allowedSources: [...CLOUDFLARE_RANGES] },
  check({ props, config }) {
    const problems: string[] = [];
    for (const rule of inboundRules(props)) {
      const ports = config.webPorts.filter((port) => admitsTcpPort(rule, port));
      if (ports.length === 0) continue;
      for (const source of rule.sourceIps.filter((s) => !config.allowedSources.includes(s))) {
        problems.push(
          `must admit port ${ports.join(" and ")} only from Cloudflare's ranges; rule ${rule.index} admits \`${source}\``,
        );
      }
    }
    return problems;
  },
});
