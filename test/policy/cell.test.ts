/** Policies on the rest of the cell: images, roles, networks, data volumes and the host firewall. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { containerImagePinned } from "../../policy/policies/container-image-pinned";
import { containerRoleKnown } from "../../policy/policies/container-role-known";
import { hostSshRestricted } from "../../policy/policies/host-ssh-restricted";
import { hostWebCloudflareOnly } from "../../policy/policies/host-web-cloudflare-only";
import { serviceNetworksRestricted } from "../../policy/policies/service-networks-restricted";
import { workerDataRetained } from "../../policy/policies/worker-data-retained";
import { workersNetworkClosed } from "../../policy/policies/workers-network-closed";
import { CONTAINER, firewallProps, messages, resource, worker, workerProps } from "./fixtures";

const W = "Worker container `iw-worker-ada`";
const DIGEST = "a".repeat(64);

function service(role: string, networks: string[], image = "caddy:2.10.2-alpine") {
  return resource(CONTAINER, `cell-${role}`, {
    name: `iw-${role}`,
    image,
    networksAdvanced: networks.map((name) => ({ name })),
    labels: [{ label: "instantworker.role", value: role }],
  });
}

describe("container-image-pinned", () => {
  for (const image of [
    "instantworker/worker:0.1.0",
    "caddy:2.10.2-alpine",
    "postgres:16.10-bookworm",
    "ghcr.io/berriai/litellm:v1.81.0-stable",
    `ghcr.io/berriai/litellm@sha256:${DIGEST}`,
    `registry.example:5000/squid:5.7@sha256:${DIGEST}`,
    `sha256:${DIGEST}`,
  ]) {
    test(`passes \`${image}\``, async () => {
      assert.deepEqual(
        await messages(containerImagePinned, [service("edge-proxy", [], image)]),
        [],
      );
    });
  }
  for (const [image, why] of [
    ["caddy:latest", "`caddy:latest` has the moving tag `latest`"],
    ["caddy", "`caddy` has no tag, which means `latest`"],
    [
      "registry.example:5000/caddy",
      "`registry.example:5000/caddy` has no tag, which means `latest`",
    ],
    ["postgres:16", "`postgres:16` has the moving tag `16`"],
    [
      "ghcr.io/berriai/litellm:main-stable",
      "`ghcr.io/berriai/litellm:main-stable` has the moving tag `main-stable`",
    ],
  ]) {
    test(`reports \`${image}\``, async () => {
      assert.deepEqual(await messages(containerImagePinned, [service("edge-proxy", [], image)]), [
        `Container \`iw-edge-proxy\` must use an image pinned by digest or exact version; ${why}`,
      ]);
    });
  }
  test("reports a remote image pulled by a moving tag", async () => {
    const pulled = resource("docker:index/remoteImage:RemoteImage", "litellm", {
      name: "litellm:latest",
    });
    assert.deepEqual(await messages(containerImagePinned, [pulled]), [
      "Image `litellm:latest` must use an image pinned by digest or exact version; `litellm:latest` has the moving tag `latest`",
    ]);
  });
});

describe("container-role-known", () => {
  test("passes labelled services and workers", async () => {
    assert.deepEqual(await messages(containerRoleKnown, [worker(), service("gatekeeper", [])]), []);
  });
  test("reports a container without a role", async () => {
    const bare = resource(CONTAINER, "debug", { name: "iw-debug", image: "busybox:1.36.1" });
    assert.deepEqual(await messages(containerRoleKnown, [bare]), [
      "Container `iw-debug` must carry a `instantworker.role` label of worker, edge-proxy, gatekeeper, model-gateway, model-db, egress-proxy; it is `unset`",
    ]);
  });
  test("reports a worker labelled as a service", async () => {
    const props = workerProps();
    props.labels[3].value = "egress-proxy";
    assert.deepEqual(await messages(containerRoleKnown, [worker(props)]), [
      `${W} must be labelled \`instantworker.role=worker\`, as its name says; it is \`egress-proxy\``,
    ]);
  });
});

describe("service-networks-restricted", () => {
  test("passes the cell's services on their own networks", async () => {
    const cell = [
      service("edge-proxy", ["iw-workers", "iw-edge", "iw-egress"]),
      service("gatekeeper", ["iw-edge"]),
      service("model-gateway", ["iw-workers", "iw-modeldb", "iw-egress"]),
      service("model-db", ["iw-modeldb"]),
      service("egress-proxy", ["iw-workers", "iw-egress"]),
      worker(),
    ];
    assert.deepEqual(await messages(serviceNetworksRestricted, cell), []);
  });
  test("reports a worker on the egress network", async () => {
    const props = workerProps();
    props.networksAdvanced.push({ name: "iw-egress" });
    assert.deepEqual(await messages(serviceNetworksRestricted, [worker(props)]), [
      `${W} must not be attached to \`iw-egress\`, which only edge-proxy, model-gateway, egress-proxy may join; its role is \`worker\``,
    ]);
  });
  test("reports the gatekeeper on the egress network", async () => {
    assert.deepEqual(
      await messages(serviceNetworksRestricted, [service("gatekeeper", ["iw-edge", "iw-egress"])]),
      [
        "Container `iw-gatekeeper` must not be attached to `iw-egress`, which only edge-proxy, model-gateway, egress-proxy may join; its role is `gatekeeper`",
      ],
    );
  });
  test("reports an unlabelled container on the edge network", async () => {
    const bare = resource(CONTAINER, "debug", {
      name: "iw-debug",
      networksAdvanced: [{ name: "iw-edge" }],
    });
    assert.deepEqual(await messages(serviceNetworksRestricted, [bare]), [
      "Container `iw-debug` must not be attached to `iw-edge`, which only edge-proxy, gatekeeper may join; its role is `unlabelled`",
    ]);
  });
  test("reports a service on the host network", async () => {
    const hosted = service("egress-proxy", []);
    hosted.props.networkMode = "host";
    assert.deepEqual(await messages(serviceNetworksRestricted, [hosted]), [
      "Container `iw-egress-proxy` must not use the host's network; `networkMode` is `host`",
    ]);
  });
});

function network(name: string, internal: boolean, icc: string) {
  return resource("docker:index/network:Network", `cell-${name}`, {
    name,
    internal,
    options: { "com.docker.network.bridge.enable_icc": icc },
  });
}

describe("workers-network-closed", () => {
  test("passes the cell's networks", async () => {
    const nets = [
      network("iw-workers", true, "false"),
      network("iw-egress", false, "true"),
      network("iw-edge", true, "true"),
      network("iw-modeldb", true, "true"),
    ];
    assert.deepEqual(await messages(workersNetworkClosed, nets), []);
  });
  test("reports a workers network that is not internal", async () => {
    assert.deepEqual(
      await messages(workersNetworkClosed, [network("iw-workers", false, "false")]),
      ["Network `iw-workers` must be internal (`internal: true`); it is `false`"],
    );
  });
  test("reports a workers network with inter-container traffic on", async () => {
    assert.deepEqual(await messages(workersNetworkClosed, [network("iw-workers", true, "true")]), [
      'Network `iw-workers` must turn inter-container traffic off (`com.docker.network.bridge.enable_icc: "false"`); it is `"true"`',
    ]);
  });
  test("reports a model database network that is not internal", async () => {
    assert.deepEqual(await messages(workersNetworkClosed, [network("iw-modeldb", false, "true")]), [
      "Network `iw-modeldb` must be internal (`internal: true`); it is `false`",
    ]);
  });
});

describe("worker-data-retained", () => {
  const volume = (retainOnDelete: boolean | undefined, role = "worker-data") => {
    const v = resource("docker:index/volume:Volume", "worker-ada-data", {
      name: "iw-data-ada",
      labels: [{ label: "instantworker.role", value: role }],
    });
    v.opts.retainOnDelete = retainOnDelete;
    return v;
  };
  test("passes a retained worker volume", async () => {
    assert.deepEqual(await messages(workerDataRetained, [volume(true)]), []);
  });
  test("reports a worker volume deleted with its resource", async () => {
    assert.deepEqual(await messages(workerDataRetained, [volume(false)]), [
      "Volume `iw-data-ada` must be retained on delete (`retainOnDelete: true`) so user data outlives its worker",
    ]);
  });
  test("reports a worker volume by its name even when relabelled", async () => {
    assert.equal((await messages(workerDataRetained, [volume(false, "scratch")])).length, 1);
  });
  test("cannot see the option where CrossGuard does not pass it, and says nothing there", async () => {
    assert.deepEqual(await messages(workerDataRetained, [volume(undefined)]), []);
  });
});

const FIREWALL = "Host firewall `fsn1-a-host`";

function firewallWith(edit: (rules: any[]) => void) {
  const props = firewallProps();
  edit(props.rules);
  return resource("hcloud:index/firewall:Firewall", "host-firewall", props);
}

describe("host-ssh-restricted", () => {
  test("passes SSH from the operators' addresses", async () => {
    assert.deepEqual(await messages(hostSshRestricted, [firewallWith(() => {})]), []);
  });
  for (const source of ["0.0.0.0/0", "::/0"]) {
    test(`reports SSH from \`${source}\``, async () => {
      const open = firewallWith((r) => r[0].sourceIps.push(source));
      assert.deepEqual(await messages(hostSshRestricted, [open]), [
        `${FIREWALL} must not admit SSH from \`${source}\`; rule 0 (port \`22\`) does`,
      ]);
    });
  }
  test("reports SSH opened to the world by a port range", async () => {
    const open = firewallWith((r) =>
      r.push({ direction: "in", protocol: "tcp", port: "20-30", sourceIps: ["0.0.0.0/0"] }),
    );
    assert.deepEqual(await messages(hostSshRestricted, [open]), [
      `${FIREWALL} must not admit SSH from \`0.0.0.0/0\`; rule 4 (port \`20-30\`) does`,
    ]);
  });
  test("reports every TCP port opened to the world", async () => {
    const open = firewallWith((r) =>
      r.push({ direction: "in", protocol: "tcp", port: "any", sourceIps: ["::/0"] }),
    );
    assert.deepEqual(await messages(hostSshRestricted, [open]), [
      `${FIREWALL} must not admit SSH from \`::/0\`; rule 4 (port \`any\`) does`,
    ]);
  });
});

describe("host-web-cloudflare-only", () => {
  test("passes 80 and 443 from Cloudflare's ranges", async () => {
    assert.deepEqual(await messages(hostWebCloudflareOnly, [firewallWith(() => {})]), []);
  });
  test("reports 443 open to the world", async () => {
    const open = firewallWith((r) => (r[2].sourceIps = ["0.0.0.0/0"]));
    assert.deepEqual(await messages(hostWebCloudflareOnly, [open]), [
      `${FIREWALL} must admit port 443 only from Cloudflare's ranges; rule 2 admits \`0.0.0.0/0\``,
    ]);
  });
  test("reports 80 open to an address outside Cloudflare", async () => {
    const open = firewallWith((r) => r[1].sourceIps.push("198.51.100.7/32"));
    assert.deepEqual(await messages(hostWebCloudflareOnly, [open]), [
      `${FIREWALL} must admit port 80 only from Cloudflare's ranges; rule 1 admits \`198.51.100.7/32\``,
    ]);
  });
  test("reports a range rule that covers both web ports", async () => {
    const open = firewallWith((r) =>
      r.push({ direction: "in", protocol: "tcp", port: "1-1024", sourceIps: ["203.0.113.10/32"] }),
    );
    assert.deepEqual(await messages(hostWebCloudflareOnly, [open]), [
      `${FIREWALL} must admit port 80 and 443 only from Cloudflare's ranges; rule 4 admits \`203.0.113.10/32\``,
    ]);
  });
});
