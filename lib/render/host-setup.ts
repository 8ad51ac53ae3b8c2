/**
 * What the cell host runs besides containers, rendered as files and one idempotent set-up script: the
 * pinned Docker engine and its daemon settings, the firewall service that re-applies the rules on boot,
 * unattended security upgrades. Pushed over SSH; re-running it changes nothing that is already right.
 */
export interface HostSetupInput {
  /** Exact docker-ce package version, e.g. `5:28.2.2-1~debian.12~bookworm`. */
  dockerVersion: string;
  firewallScriptPath: string;
}

export function renderDockerDaemonConfig(): string {
  const config = {
    // Containers keep running while the engine restarts or upgrades.
    "live-restore": true,
    "log-driver": "json-file",
    "log-opts": { "max-size": "10m", "max-file": "3" },
    "no-new-privileges": true,
    // No traffic between containers on the default bridge; cell networks set their own.
    icc: false,
    // Published ports go through iptables, where DOCKER-USER can see them, not a userland proxy.
    "userland-proxy": false,
  };
  return `${JSON.stringify(config, null, 2)}\n`;
}

export function renderFirewallUnit(scriptPath: string): string {
  return [
    "[Unit]",
    "Description=InstantWorker cell firewall rules",
    "After=docker.service",
    "Requires=docker.service",
    "",
    "[Service]",
    "Type=oneshot",
    `ExecStart=/bin/sh ${scriptPath}`,
    "RemainAfterExit=yes",
    "",
    "[Install]",
    "WantedBy=multi-user.target",
    "",
  ].join("\n");
}

export const UNATTENDED_UPGRADES = [
  'APT::Periodic::Update-Package-Lists "1";',
  'APT::Periodic::Unattended-Upgrade "1";',
  "",
].join("\n");

/** The set-up script. Files are written only when their content differs, so reruns restart nothing. */
export function renderHostSetupScript(input: HostSetupInput): string {
  const v = input.dockerVersion;
  if (!/^[0-9]+:?[\w.~+-]+$/.test(v)) {
    throw new Error(`\`dockerVersion\` ${JSON.stringify(v)} is not a Debian package version`);
  }
  const files: [string, string][] = [
    ["/etc/docker/daemon.json", renderDockerDaemonConfig()],
    [
      "/etc/systemd/system/instantworker-firewall.service",
      renderFirewallUnit(input.firewallScriptPath),
    ],
    ["/etc/apt/apt.conf.d/20auto-upgrades", UNATTENDED_UPGRADES],
  ];
  return [
    "#!/bin/bash",
    "set -euo pipefail",
    "export DEBIAN_FRONTEND=noninteractive",
    "changed=''",
    'put() { mkdir -p "$(dirname "$1")"; if ! cmp -s - "$1" <<<"$2"; then printf \'%s\\n\' "$2" >"$1"; changed="$changed $1"; fi; }',
    ...files.map(([path, content]) => `put ${path} ${ansiQuote(content.replace(/\n$/, ""))}`),
    "install -d -m 0755 /etc/apt/keyrings",
    "if [ ! -f /etc/apt/keyrings/docker.asc ]; then",
    "  curl -fsSL https://download.docker.com/linux/debian/gpg -o /etc/apt/keyrings/docker.asc",
    "fi",
    'echo "deb [signed-by=/etc/apt/keyrings/docker.asc] https://download.docker.com/linux/debian bookworm stable" >/etc/apt/sources.list.d/docker.list',
    `want=${ansiQuote(v)}`,
    'if [ "$(dpkg-query -W -f \'${Version}\' docker-ce 2>/dev/null || true)" != "$want" ]; then',
    "  apt-get update -qq",
    '  apt-get install -y -qq --allow-change-held-packages "docker-ce=$want" "docker-ce-cli=$want" containerd.io unattended-upgrades',
    "  apt-mark hold docker-ce docker-ce-cli >/dev/null",
    "fi",
    "systemctl daemon-reload",
    'case "$changed" in *daemon.json*) systemctl restart docker ;; esac',
    "systemctl enable --now docker >/dev/null",
    "systemctl enable instantworker-firewall.service >/dev/null",
    "",
  ].join("\n");
}

/** Bash ANSI-C quoting: any content, newlines included, as one word. */
function ansiQuote(value: string): string {
  return `$'${value.replace(/\\/g, "\\\\").replace(/'/g, "\\'").replace(/\n/g, "\\n")}'`;
}
