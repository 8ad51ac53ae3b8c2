/**
 * The InstantWorker cell policy pack: every hardening promise of the design as a mandatory policy, so a
 * pull request that weakens one shows a failing preview. Run with `pulumi preview --policy-pack policy`.
 */
import { PolicyPack } from "@pulumi/policy";
import { POLICIES } from "./policies";

new PolicyPack("instantworker-cell", {
  enforcementLevel: "mandatory",
  policies: POLICIES,
});
