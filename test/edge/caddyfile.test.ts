import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { type CaddyfileInput, renderCaddyfile } from "../../lib/render/caddyfile";
import { hasCommand, requireComponent } from "../support/requires";

const valid: CaddyfileInput = {
  zone: "instantworker.ai",
  dashboardOrigin: "https://instantworker.ai",
  workers: [
    { slug: "bob", address: "10.210.0.17" },
    { slug: "alice", address: "10.210.0.16" },
  ],
  gatekeeper: "iw-gatekeeper:9090",
  tls: { mode: "files", cert: "/etc/caddy/tls/origin.pem", key: "/etc/caddy/tls/origin.key" },
  trustedProxies: ["173.245.48.0/20", "2400:cb00::/32"],
};

/** Runs the real `caddy validate`; returns its combined output on failure. */
function caddyValidate(text: string): { ok: boolean; output: string } {
  const dir = mkdtempSync(path.join(tmpdir(), "iw-caddyfile-"));
  try {
    writeFileSync(path.join(dir, "Caddyfile"), text);
    const file = path.join(dir, "Caddyfile");
    execFileSync("caddy", ["validate", "--config", file, "--adapter", "caddyfile"], {
      env: { PATH: process.env.PATH, HOME: dir, XDG_DATA_HOME: dir, XDG_CONFIG_HOME: dir },
      stdio: "pipe",
    });
    return { ok: true, output: "" };
  } catch (error) {
    return { ok: false, output: String((error as { stderr?: Buffer }).stderr ?? error) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test("renders a Caddyfile that the real caddy accepts, in both TLS modes", async (t) => {
  if (!(await requireComponent(t, "caddy", () => hasCommand("caddy")))) return;
  const internal = caddyValidate(renderCaddyfile({ ...valid, tls: { mode: "internal" } }));
  assert.equal(internal.ok, true, internal.output);
  // With files, caddy validate opens them: point at a throwaway pair made for this test.
  const dir = mkdtempSync(path.join(tmpdir(), "iw-caddy-tls-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const [cert, key] = [path.join(dir, "c.pem"), path.join(dir, "k.pem")];
  execFileSync(
    "openssl",
    [
      ...["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"],
      ...["-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=instantworker.ai"],
    ],
    { stdio: "ignore" },
  );
  const files = caddyValidate(renderCaddyfile({ ...valid, tls: { mode: "files", cert, key } }));
  assert.equal(files.ok, true, files.output);
});

test("the real caddy rejects a broken rendering, so the validation check can fail", async (t) => {
  if (!(await requireComponent(t, "caddy", () => hasCommand("caddy")))) return;
  const broken = renderCaddyfile({ ...valid, tls: { mode: "internal" } }).replace(
    "route {",
    "route {{",
  );
  assert.equal(caddyValidate(broken).ok, false);
});

test("gives each worker one site routing its gateway and noVNC through the gatekeeper", () => {
  const text = renderCaddyfile(valid);
  const alice = text.slice(text.indexOf("alice-worker.instantworker.ai {"));
  assert.match(
    alice,
    /^alice-worker\.instantworker\.ai \{\n\timport iw_site\n\troute \{\n\t\timport iw_guard\n/,
  );
  assert.match(alice, /handle_path \/vnc\/\* \{\n\t\t\treverse_proxy 10\.210\.0\.16:6080 \{/);
  assert.match(alice, /\t\treverse_proxy 10\.210\.0\.16:18789 \{/);
  assert.ok(text.indexOf("alice-worker") < text.indexOf("bob-worker"), "sites are in slug order");
  assert.equal(text.match(/^\S+-worker\.instantworker\.ai \{$/gm)?.length, 2);
});

test("strips the client's identity header before asking the gatekeeper", () => {
  const guard = renderCaddyfile(valid).split("(iw_guard) {")[1].split("\n}\n")[0];
  const steps = [
    "request_header -X-InstantWorker-User",
    "reverse_proxy @iw_gatekeeper",
    "forward_auth",
  ];
  const positions = steps.map((s) => guard.indexOf(s));
  assert.ok(
    positions.every((p, i) => p >= 0 && (i === 0 || p > positions[i - 1])),
    guard,
  );
  assert.match(guard, /copy_headers X-InstantWorker-User/);
  assert.match(guard, /trusted_proxies 173\.245\.48\.0\/20 2400:cb00::\/32/);
});

test("keeps tickets, cookies and credentials out of the access log", () => {
  const text = renderCaddyfile(valid);
  for (const rule of [
    /request>uri query \{\n\t+delete ticket/,
    /request>headers>Cookie delete/,
    /request>headers>Authorization delete/,
    /resp_headers>Set-Cookie delete/,
  ]) {
    assert.match(text, rule);
  }
});

test("renders the same bytes for the same workers in any order", () => {
  const reversed = { ...valid, workers: [...valid.workers].reverse() };
  assert.equal(renderCaddyfile(reversed), renderCaddyfile(valid));
});

test("refuses hostile or malformed values with one sentence naming the value", () => {
  const cases: [Partial<CaddyfileInput>, string][] = [
    [
      { zone: "example.com\n}" },
      "zone `example.com\n}` is not accepted (accepted: a lowercase DNS name such as example.com)",
    ],
    [
      { dashboardOrigin: 'https://x.ai" evil' },
      'dashboardOrigin `https://x.ai" evil` is not accepted (accepted: an https origin such as https://example.com)',
    ],
    [
      { workers: [{ slug: "a}b", address: "10.0.0.1" }] },
      "workers[0].slug `a}b` is not accepted (accepted: a roster slug)",
    ],
    [
      { workers: [{ slug: "alice", address: "10.0.0.1 {" }] },
      "workers[0].address `10.0.0.1 {` is not accepted (accepted: an IPv4 address)",
    ],
    [
      {
        workers: [
          { slug: "alice", address: "10.0.0.1" },
          { slug: "alice", address: "10.0.0.2" },
        ],
      },
      "workers[1].slug `alice` is not accepted (accepted: each slug once)",
    ],
    [
      { gatekeeper: "iw-gatekeeper" },
      "gatekeeper `iw-gatekeeper` is not accepted (accepted: host:port)",
    ],
    [
      { tls: { mode: "files", cert: "cert.pem", key: "/k" } },
      "tls.cert `cert.pem` is not accepted (accepted: an absolute path)",
    ],
    [
      { trustedProxies: ["0.0.0.0/99"] },
      "trustedProxies entry `0.0.0.0/99` is not accepted (accepted: an IP address or CIDR range)",
    ],
    [
      { admin: "0.0.0.0:2019" },
      "admin `0.0.0.0:2019` is not accepted (accepted: localhost:<port> or 127.0.0.1:<port>)",
    ],
  ];
  for (const [change, message] of cases) {
    assert.throws(() => renderCaddyfile({ ...valid, ...change }), { message });
  }
});
