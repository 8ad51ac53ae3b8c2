import { resourcePolicy } from "../lib/define";
import { isWorkerVolume, TYPES } from "../lib/resource";

/**
 * CrossGuard 1.21 does not pass `retainOnDelete` to policies (its `PolicyResourceOptions` carries protect,
 * ignoreChanges, deleteBeforeReplace, aliases, timeouts, secret outputs and parent only), so under
 * `pulumi preview --policy-pack` this policy cannot see the option and checks nothing. `npm run
 * policy:check` runs the same policy with the options the program really registered, which include it;
 * the pull-request workflow runs that check, so a volume that loses the option still fails review.
 */
export const workerDataRetained = resourcePolicy({
  name: "worker-data-retained",
  description: "Checks that every worker data volume is retained when it leaves the program.",
  types: [TYPES.volume],
  applies: isWorkerVolume,
  check({ opts }) {
    if (opts.retainOnDelete === undefined || opts.retainOnDelete === true) return [];
    return ["must be retained on delete (`retainOnDelete: true`) so user data outlives its worker"];
  },
});
