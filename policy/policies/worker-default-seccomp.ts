import { resourcePolicy } from "../lib/define";
import { asArray, isWorker, TYPES } from "../lib/resource";

/** Anything but the engine's defaults: a custom profile could allow what the default one refuses. */
const OVERRIDE = /^(seccomp|apparmor|label|systempaths)[:=]/;

export const workerDefaultSeccomp = resourcePolicy({
  name: "worker-default-seccomp",
  description:
    "Checks that every worker container keeps Docker's default seccomp and AppArmor profiles.",
  types: [TYPES.container],
  applies: isWorker,
  check({ props }) {
    return asArray(props.securityOpts)
      .map(String)
      .filter((o) => OVERRIDE.test(o))
      .map((o) => `must keep the default seccomp and AppArmor profiles; it sets \`${o}\``);
  },
});
