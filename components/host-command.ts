/**
 * A command run on the cell host. On the dev stack the host is this machine, so it is a local command; in
 * production it runs over SSH on the Hetzner server. Components describe what to run and never care which.
 */
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";

export type HostConnection =
  | { kind: "local" }
  | {
      kind: "ssh";
      host: pulumi.Input<string>;
      user: string;
      /** Omitted: the ssh-agent of the deploying machine supplies the key. */
      privateKey?: pulumi.Input<string>;
    };

export interface HostCommandArgs {
  host: HostConnection;
  create: pulumi.Input<string>;
  update?: pulumi.Input<string>;
  delete?: pulumi.Input<string>;
  /** Secrets go here, never into the command line or the environment, so they stay out of `ps` and logs. */
  stdin?: pulumi.Input<string>;
  /** Any change replaces the command, which runs `create` again. */
  triggers?: pulumi.Input<unknown>[];
  /** Stdout can echo what stdin carried; keep it out of the engine's log unless told otherwise. */
  logOutput?: boolean;
}

export class HostCommand {
  readonly resource: command.local.Command | command.remote.Command;
  readonly stdout: pulumi.Output<string>;

  constructor(name: string, args: HostCommandArgs, opts: pulumi.CustomResourceOptions = {}) {
    const common = {
      create: args.create,
      update: args.update,
      delete: args.delete,
      stdin: args.stdin,
      triggers: args.triggers,
      logging: args.logOutput ? "stdoutAndStderr" : "stderr",
    } as const;
    this.resource =
      args.host.kind === "local"
        ? new command.local.Command(name, { ...common, interpreter: ["/bin/bash", "-c"] }, opts)
        : new command.remote.Command(
            name,
            {
              ...common,
              connection: {
                host: args.host.host,
                user: args.host.user,
                privateKey: args.host.privateKey,
                dialErrorLimit: 20,
              },
            },
            opts,
          );
    this.stdout = this.resource.stdout;
  }
}

/** Quotes a value for a POSIX shell: the only way untrusted or generated text enters a command. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}
