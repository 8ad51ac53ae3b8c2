import { resourcePolicy } from "../lib/define";
import { asArray, isWorker, show, TYPES } from "../lib/resource";

const NO_NEW_PRIVILEGES = /^no-new-privileges(:true|=true)?$/;

export const workerNoNewPrivileges = resourcePolicy({
  name: "worker-no-new-privileges",
  description: "Checks that every worker container runs with no-new-privileges set.",
  types: [TYPES.container],
  applies: isWorker,
  check({ props }) {
    const opts = asArray(props.securityOpts).map(String);
    // Docker applies security options in order, so a later `:false` switches the flag off again.
    const last = opts.filter((o) => o.startsWith("no-new-privileges")).pop();
    if (last !== undefined && NO_NEW_PRIVILEGES.test(last)) return [];
    return [`must set \`no-new-privileges:true\` in \`securityOpts\`; it has ${show(opts)}`];
  },
});
