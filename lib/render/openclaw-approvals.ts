/**
 * The exec approvals file for `openclaw approvals set`: exactly the templates' exec commands for the
 * main agent, nothing inherited. `set` replaces the whole file, so a command dropped from a template is
 * dropped from the worker at its next start instead of lingering in the state volume.
 */
import type { WorkerCapabilities } from "../templates";

export const APPROVALS_AGENT = "main";

export function renderExecApprovals(capabilities: Pick<WorkerCapabilities, "execCommands">) {
  return {
    version: 1 as const,
    defaults: {},
    agents: {
      [APPROVALS_AGENT]: {
        allowlist: capabilities.execCommands.map((pattern) => ({ pattern })),
      },
    },
  };
}
