/**
 * Applies the rendered firewall rules on the cell host. The script is rebuilt whole on each apply, so the
 * command runs again only when the rules themselves change, never on a signup.
 */
import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import { type FirewallInput, renderFirewallScript } from "../lib/render/firewall";
import { HostCommand, type HostConnection, shellQuote } from "./host-command";

export interface HostFirewallArgs extends FirewallInput {
  host: HostConnection;
  /** Where the script is kept on the host, so the boot-time service can apply it again. */
  scriptPath?: string;
}

export class HostFirewall extends pulumi.ComponentResource {
  readonly script: string;

  constructor(name: string, args: HostFirewallArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("instantworker:cell:HostFirewall", name, {}, opts);
    this.script = renderFirewallScript(args);
    const path = args.scriptPath ?? "/etc/instantworker/firewall.sh";
    const digest = createHash("sha256").update(this.script).digest("hex");
    new HostCommand(
      `${name}-apply`,
      {
        host: args.host,
        create: `set -eu; mkdir -p "$(dirname ${shellQuote(path)})"; cat > ${shellQuote(path)}; chmod 700 ${shellQuote(path)}; sh ${shellQuote(path)}`,
        stdin: this.script,
        triggers: [digest],
      },
      { parent: this },
    );
    this.registerOutputs({ digest });
  }
}
