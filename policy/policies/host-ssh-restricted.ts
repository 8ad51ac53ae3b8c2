import { resourcePolicy } from "../lib/define";
import { admitsTcpPort, inboundRules, WORLD } from "../lib/firewall";
import { TYPES } from "../lib/resource";

export const hostSshRestricted = resourcePolicy({
  name: "host-ssh-restricted",
  description: "Checks that no host firewall rule admits SSH from the whole internet.",
  types: [TYPES.firewall],
  defaults: { sshPort: 22 },
  check({ props, config }) {
    return inboundRules(props)
      .filter((rule) => admitsTcpPort(rule, config.sshPort))
      .flatMap((rule) =>
        rule.sourceIps
          .filter((source) => WORLD.includes(source))
          .map(
            (source) =>
              `must not admit SSH from \`${source}\`; rule ${rule.index} (port \`${rule.port}\`) does`,
          ),
      );
  },
});
