import { resourcePolicy } from "../lib/define";
import { isWorker, show, TYPES } from "../lib/resource";

/** Numeric ids only: a user name is resolved inside the image, where the pack cannot see it. */
const USER = /^(\d+)(?::(\d+))?$/;

export const workerNonRootUser = resourcePolicy({
  name: "worker-non-root-user",
  description: "Checks that every worker container runs as a numeric, non-root user and group.",
  types: [TYPES.container],
  applies: isWorker,
  check({ props }) {
    const match = typeof props.user === "string" ? USER.exec(props.user) : null;
    if (!match)
      return [`must run as a numeric non-root \`uid:gid\`; \`user\` is ${show(props.user)}`];
    if (Number(match[1]) === 0 || (match[2] !== undefined && Number(match[2]) === 0)) {
      return [`must not run as root; \`user\` is ${show(props.user)}`];
    }
    const groups = Array.isArray(props.groupAdds) ? props.groupAdds : [];
    return groups.length > 0 ? [`must join no extra groups; \`groupAdds\` is ${show(groups)}`] : [];
  },
});
