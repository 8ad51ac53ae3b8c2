/** Each worker hardening policy, called directly: the compliant worker passes, each weakening is named. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { workerCapabilitiesDropped } from "../../policy/policies/worker-capabilities-dropped";
import { workerDefaultSeccomp } from "../../policy/policies/worker-default-seccomp";
import { workerNoDevices } from "../../policy/policies/worker-no-devices";
import { workerNoHostMounts } from "../../policy/policies/worker-no-host-mounts";
import { workerNoHostNamespaces } from "../../policy/policies/worker-no-host-namespaces";
import { workerNoNewPrivileges } from "../../policy/policies/worker-no-new-privileges";
import { workerNoPublishedPorts } from "../../policy/policies/worker-no-published-ports";
import { workerNonRootUser } from "../../policy/policies/worker-non-root-user";
import { workerNotPrivileged } from "../../policy/policies/worker-not-privileged";
import { workerReadOnlyRoot } from "../../policy/policies/worker-read-only-root";
import { workerResourceLimits } from "../../policy/policies/worker-resource-limits";
import { workerWorkersNetworkOnly } from "../../policy/policies/worker-workers-network-only";
import type { PackPolicy } from "../../policy/lib/runner";
import { messages, worker, workerProps } from "./fixtures";

const W = "Worker container `iw-worker-ada`";

type Case = [string, (p: Record<string, any>) => void, string];

const CASES: Array<[PackPolicy, Case[]]> = [
  [
    workerCapabilitiesDropped,
    [
      [
        "keeps a capability",
        (p) => (p.capabilities = { drops: ["NET_RAW"] }),
        `${W} must drop every capability (\`ALL\`); it drops \`["NET_RAW"]\``,
      ],
      [
        "drops nothing",
        (p) => delete p.capabilities,
        `${W} must drop every capability (\`ALL\`); it drops \`[]\``,
      ],
      [
        "adds one back",
        (p) => (p.capabilities.adds = ["SYS_ADMIN"]),
        `${W} must add no capability; it adds \`["SYS_ADMIN"]\``,
      ],
    ],
  ],
  [
    workerNoNewPrivileges,
    [
      [
        "omits no-new-privileges",
        (p) => (p.securityOpts = []),
        `${W} must set \`no-new-privileges:true\` in \`securityOpts\`; it has \`[]\``,
      ],
      [
        "turns it off again",
        (p) => p.securityOpts.push("no-new-privileges:false"),
        `${W} must set \`no-new-privileges:true\` in \`securityOpts\`; it has \`["no-new-privileges:true","no-new-privileges:false"]\``,
      ],
    ],
  ],
  [
    workerDefaultSeccomp,
    [
      [
        "disables seccomp",
        (p) => p.securityOpts.push("seccomp=unconfined"),
        `${W} must keep the default seccomp and AppArmor profiles; it sets \`seccomp=unconfined\``,
      ],
      [
        "disables AppArmor",
        (p) => p.securityOpts.push("apparmor:unconfined"),
        `${W} must keep the default seccomp and AppArmor profiles; it sets \`apparmor:unconfined\``,
      ],
    ],
  ],
  [
    workerResourceLimits,
    [
      [
        "has no memory limit",
        (p) => delete p.memory,
        `${W} must have a memory limit of 256 to 4096 MB; \`memory\` is \`unset\``,
      ],
      [
        "asks for too much memory",
        (p) => (p.memory = p.memorySwap = 8192),
        `${W} must have a memory limit of 256 to 4096 MB; \`memory\` is \`8192\``,
      ],
      [
        "may swap",
        (p) => (p.memorySwap = -1),
        `${W} must not swap beyond its memory limit (\`memorySwap\` equal to \`memory\`, 2048); \`memorySwap\` is \`-1\``,
      ],
      [
        "has no CPU limit",
        (p) => delete p.cpus,
        `${W} must have a CPU limit above 0 and at most 2; \`cpus\` is \`unset\``,
      ],
      [
        "asks for too many CPUs",
        (p) => (p.cpus = "4"),
        `${W} must have a CPU limit above 0 and at most 2; \`cpus\` is \`"4"\``,
      ],
    ],
  ],
  [
    workerReadOnlyRoot,
    [
      [
        "has a writable root",
        (p) => (p.readOnly = false),
        `${W} must have a read-only root filesystem (\`readOnly: true\`); it is \`false\``,
      ],
    ],
  ],
  [
    workerNonRootUser,
    [
      [
        "runs as the image's default user",
        (p) => delete p.user,
        `${W} must run as a numeric non-root \`uid:gid\`; \`user\` is \`unset\``,
      ],
      ["runs as root", (p) => (p.user = "0:0"), `${W} must not run as root; \`user\` is \`"0:0"\``],
      [
        "runs in group root",
        (p) => (p.user = "10001:0"),
        `${W} must not run as root; \`user\` is \`"10001:0"\``,
      ],
      [
        "runs as a named user",
        (p) => (p.user = "worker"),
        `${W} must run as a numeric non-root \`uid:gid\`; \`user\` is \`"worker"\``,
      ],
      [
        "joins an extra group",
        (p) => (p.groupAdds = ["999"]),
        `${W} must join no extra groups; \`groupAdds\` is \`["999"]\``,
      ],
    ],
  ],
  [
    workerNotPrivileged,
    [
      [
        "runs privileged",
        (p) => (p.privileged = true),
        `${W} must not run privileged (\`privileged: true\`)`,
      ],
    ],
  ],
  [
    workerNoHostNamespaces,
    [
      [
        "shares the host network",
        (p) => (p.networkMode = "host"),
        `${W} must keep its own namespaces; \`networkMode\` is \`host\``,
      ],
      [
        "shares the host PID namespace",
        (p) => (p.pidMode = "host"),
        `${W} must keep its own namespaces; \`pidMode\` is \`host\``,
      ],
      [
        "shares the host IPC namespace",
        (p) => (p.ipcMode = "host"),
        `${W} must keep its own namespaces; \`ipcMode\` is \`host\``,
      ],
      [
        "makes its IPC shareable",
        (p) => (p.ipcMode = "shareable"),
        `${W} must keep its own namespaces; \`ipcMode\` is \`shareable\``,
      ],
      [
        "joins another container's PID namespace",
        (p) => (p.pidMode = "container:iw-edge"),
        `${W} must keep its own namespaces; \`pidMode\` is \`container:iw-edge\``,
      ],
      [
        "uses the host user namespace",
        (p) => (p.usernsMode = "host"),
        `${W} must keep its own namespaces; \`usernsMode\` is \`host\``,
      ],
      [
        "uses the host cgroup namespace",
        (p) => (p.cgroupnsMode = "host"),
        `${W} must keep its own namespaces; \`cgroupnsMode\` is \`host\``,
      ],
    ],
  ],
  [
    workerNoDevices,
    [
      [
        "is given a device",
        (p) => (p.devices = [{ hostPath: "/dev/kvm" }]),
        `${W} must be given no host device; \`devices\` is set`,
      ],
      [
        "is given a GPU",
        (p) => (p.gpus = "all"),
        `${W} must be given no host device; \`gpus\` is set`,
      ],
      [
        "is given a device cgroup rule",
        (p) => (p.deviceCgroupRules = ["c 10:* rmw"]),
        `${W} must be given no host device; \`deviceCgroupRules\` is set`,
      ],
    ],
  ],
  [
    workerNoHostMounts,
    [
      [
        "mounts a host path",
        (p) => p.volumes.push({ hostPath: "/etc", containerPath: "/host-etc" }),
        `${W} must mount no host path; it mounts \`/etc\``,
      ],
      [
        "bind-mounts the Docker socket",
        (p) =>
          (p.mounts = [
            { type: "bind", source: "/var/run/docker.sock", target: "/var/run/docker.sock" },
          ]),
        `${W} must not be given the Docker socket; it has a \`bind\` mount of \`/var/run/docker.sock\``,
      ],
      [
        "gets the socket as a volume path",
        (p) => p.volumes.push({ hostPath: "/run/docker.sock", containerPath: "/d.sock" }),
        `${W} must not be given the Docker socket; it mounts \`/run/docker.sock\``,
      ],
      [
        "mounts another container's volumes",
        (p) => p.volumes.push({ fromContainer: "iw-worker-grace" }),
        `${W} must mount no other container's volumes; it mounts from \`iw-worker-grace\``,
      ],
    ],
  ],
  [
    workerNoPublishedPorts,
    [
      [
        "publishes the gateway port",
        (p) => (p.ports = [{ internal: 18789, external: 18789 }]),
        `${W} must publish no port; it publishes 18789:18789`,
      ],
      [
        "publishes every exposed port",
        (p) => (p.publishAllPorts = true),
        `${W} must publish no port; \`publishAllPorts\` is true`,
      ],
    ],
  ],
  [
    workerWorkersNetworkOnly,
    [
      [
        "joins the egress network too",
        (p) => p.networksAdvanced.push({ name: "iw-egress" }),
        `${W} must be attached only to the \`iw-workers\` network; it is attached to \`["iw-workers","iw-egress"]\``,
      ],
      [
        "sits on the default bridge",
        (p) => {
          delete p.networksAdvanced;
          p.networkMode = "bridge";
        },
        `${W} must be attached only to the \`iw-workers\` network; it is attached to \`["bridge"]\``,
      ],
      [
        "joins no network",
        (p) => delete p.networksAdvanced,
        `${W} must be attached only to the \`iw-workers\` network; it is attached to \`[]\``,
      ],
    ],
  ],
];

for (const [policy, cases] of CASES) {
  describe(policy.name, () => {
    test("passes the compliant worker", async () => {
      assert.deepEqual(await messages(policy, [worker()]), []);
    });
    for (const [what, mutate, expected] of cases) {
      test(`reports a worker that ${what}`, async () => {
        const props = workerProps();
        mutate(props);
        assert.deepEqual(await messages(policy, [worker(props)]), [expected]);
      });
    }
  });
}

test("the memory range comes from pack configuration", async () => {
  const config = { minMemoryMb: 256, maxMemoryMb: 1024, maxCpus: 2 };
  assert.deepEqual(await messages(workerResourceLimits, [worker()], config), [
    `${W} must have a memory limit of 256 to 1024 MB; \`memory\` is \`2048\``,
  ]);
});

test("a worker relabelled as another role is still checked as a worker by its name", async () => {
  const props = workerProps();
  props.labels[3].value = "edge-proxy";
  props.readOnly = false;
  assert.equal((await messages(workerReadOnlyRoot, [worker(props)])).length, 1);
});
