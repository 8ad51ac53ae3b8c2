/**
 * The cell host's cloud-init. Hetzner replaces a server whose user data changes, so this holds only what
 * must be true before the first SSH login and never changes afterwards; everything else is pushed by
 * host commands that can change without rebuilding the host.
 */
import { stringify } from "yaml";

export interface CloudInitInput {
  /** Hostname of the server, e.g. `iw-fsn1-a`. */
  hostname: string;
}

export function renderCloudInit(input: CloudInitInput): string {
  const doc = {
    hostname: input.hostname,
    preserve_hostname: false,
    ssh_pwauth: false,
    disable_root: false,
    package_update: true,
    package_upgrade: true,
    packages: ["ca-certificates", "curl", "gnupg", "iptables"],
    write_files: [
      {
        path: "/etc/ssh/sshd_config.d/10-instantworker.conf",
        owner: "root:root",
        permissions: "0644",
        content: [
          "PasswordAuthentication no",
          "KbdInteractiveAuthentication no",
          "PermitRootLogin prohibit-password",
          "X11Forwarding no",
          "",
        ].join("\n"),
      },
    ],
    runcmd: [["systemctl", "reload", "ssh"]],
  };
  return `#cloud-config\n${stringify(doc)}`;
}
