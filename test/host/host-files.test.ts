/**
 * The host's generated files, checked by the programs that consume them: cloud-init's own schema check,
 * and the set-up script run twice in a throwaway container with stand-ins for apt, curl and systemd
 * (no package mirror of Docker's and no systemd run here; the stand-ins record what would have run).
 */
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { renderCloudInit } from "../../lib/render/cloud-init";
import { renderDockerDaemonConfig, renderHostSetupScript } from "../../lib/render/host-setup";
import { dockerAvailable, hasCommand, requireComponent } from "../support/requires";

test("cloud-init accepts the rendered user data", async (t) => {
  if (!(await requireComponent(t, "cloud-init", () => hasCommand("cloud-init")))) return;
  const dir = mkdtempSync(path.join(tmpdir(), "iw-cloudinit-"));
  const file = path.join(dir, "user-data");
  writeFileSync(file, renderCloudInit({ hostname: "iw-fsn1-a" }));
  const r = spawnSync("cloud-init", ["schema", "--config-file", file], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /Valid/i);
});

test("cloud-init's check fails on a broken document, so the check above means something", async (t) => {
  if (!(await requireComponent(t, "cloud-init", () => hasCommand("cloud-init")))) return;
  const dir = mkdtempSync(path.join(tmpdir(), "iw-cloudinit-"));
  const file = path.join(dir, "user-data");
  writeFileSync(
    file,
    renderCloudInit({ hostname: "x" }).replace("ssh_pwauth: false", "ssh_pwauth: [1]"),
  );
  const r = spawnSync("cloud-init", ["schema", "--config-file", file], { encoding: "utf8" });
  assert.notEqual(r.status, 0);
});

test("the engine's settings turn on live restore, rotation and no-new-privileges, and icc off", () => {
  assert.deepEqual(JSON.parse(renderDockerDaemonConfig()), {
    "live-restore": true,
    "log-driver": "json-file",
    "log-opts": { "max-size": "10m", "max-file": "3" },
    "no-new-privileges": true,
    icc: false,
    "userland-proxy": false,
  });
});

test("refuses a Docker version that is not a package version", () => {
  assert.throws(
    () => renderHostSetupScript({ dockerVersion: "28; rm -rf /", firewallScriptPath: "/x" }),
    /`dockerVersion` "28; rm -rf \/" is not a Debian package version/,
  );
});

const STANDINS = `
mkdir -p /standin && cd /standin
for c in apt-get apt-mark curl systemctl; do
  printf '#!/bin/sh\\necho "%s $*" >>/calls.log\\n' "$c" >"$c"; chmod +x "$c"
done
printf '#!/bin/sh\\n[ -f /installed ] && printf "%%s" "$(cat /installed)"\\n' >dpkg-query; chmod +x dpkg-query
`;

test("the set-up script installs the pinned engine once and restarts it only on a settings change", async (t) => {
  if (!(await requireComponent(t, "docker", dockerAvailable))) return;
  const version = "5:28.2.2-1~debian.12~bookworm";
  const script = renderHostSetupScript({ dockerVersion: version, firewallScriptPath: "/x/fw.sh" });
  // Each run appends its calls; between runs the stand-in dpkg reports the pinned version installed.
  const body = `${STANDINS}
export PATH=/standin:$PATH
bash /setup.sh && echo RUN1 >>/calls.log && printf '%s' '${version}' >/installed
bash /setup.sh && echo RUN2 >>/calls.log
cat /calls.log; echo ---; cat /etc/docker/daemon.json`;
  const out = execFileSync(
    "docker",
    [
      "run",
      "--rm",
      "-i",
      "instantworker/debian:bookworm-local",
      "bash",
      "-c",
      `cat >/setup.sh; ${body}`,
    ],
    { input: script, encoding: "utf8" },
  );
  const [calls, daemon] = out.split("---\n");
  const [first, second] = calls.split("RUN1\n");
  assert.match(
    first,
    new RegExp(`apt-get install .*docker-ce=${version.replace(/[.~+]/g, "\\$&")}`),
  );
  assert.match(first, /systemctl restart docker/);
  assert.doesNotMatch(second, /apt-get install/);
  assert.doesNotMatch(second, /systemctl restart docker/);
  assert.deepEqual(JSON.parse(daemon), JSON.parse(renderDockerDaemonConfig()));
});
