import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ALWAYS_DENIED_TOOLS, loadTemplateCatalog } from "../../lib/templates";
import { OPENCLAW_PROFILE_TOOLS } from "../../lib/templates/openclaw-tools";
import { type Manifest, catalogOf, manifest } from "./fixtures";

const coding = (id: string, change: (m: Manifest) => void = () => {}) =>
  manifest(id, (m) => {
    m.browser = false;
    m.egress_domains = [];
    m.tools = { profile: "coding", allow: ["heartbeat_respond"], deny: [] };
    m.exec_commands = ["/usr/bin/wc"];
    change(m);
  });

describe("combining templates for one worker", () => {
  it("keeps a single template's own settings", () => {
    const c = catalogOf([coding("writer")]).combine(["writer"]);
    assert.deepEqual(c, {
      templateIds: ["writer"],
      browser: false,
      egressDomains: [],
      toolProfile: "coding",
      toolsDeny: [...ALWAYS_DENIED_TOOLS],
      toolsAllow: ["heartbeat_respond"],
      execCommands: ["/usr/bin/wc"],
      heartbeatMinutes: 60,
    });
  });

  it("unions domains and folds hosts a wildcard entry already covers", () => {
    const catalog = catalogOf([
      manifest("one", (m) => (m.egress_domains = [".x.com", ".y.org"])),
      manifest("two", (m) => (m.egress_domains = ["x.com", "www.x.com", ".cdn.x.com", "z.net"])),
    ]);
    assert.deepEqual(catalog.combine(["one", "two"]).egressDomains, [".x.com", ".y.org", "z.net"]);
    assert.deepEqual(catalog.combine(["two"]).egressDomains, [
      ".cdn.x.com",
      "www.x.com",
      "x.com",
      "z.net",
    ]);
  });

  it("takes the shortest heartbeat", () => {
    const catalog = catalogOf([
      manifest("slow", (m) => (m.heartbeat_minutes = 240)),
      manifest("fast", (m) => (m.heartbeat_minutes = 15)),
    ]);
    assert.equal(catalog.combine(["slow", "fast"]).heartbeatMinutes, 15);
  });

  it("keeps a shared profile and unions the allowed tools", () => {
    const catalog = catalogOf([
      manifest("one", (m) => ((m.tools as Manifest).allow = ["browser", "memory_get"])),
      manifest("two", (m) => ((m.tools as Manifest).allow = ["browser", "read"])),
    ]);
    const c = catalog.combine(["one", "two"]);
    assert.equal(c.toolProfile, "minimal");
    assert.deepEqual(c.toolsAllow, ["browser", "memory_get", "read"]);
  });

  it("falls back to minimal on differing profiles and carries the broader profile's tools", () => {
    const catalog = catalogOf([manifest("browse"), coding("writer")]);
    const c = catalog.combine(["browse", "writer"]);
    assert.equal(c.toolProfile, "minimal");
    for (const tool of ["exec", "read", "write", "web_fetch", "heartbeat_respond", "browser"]) {
      assert.ok(c.toolsAllow.includes(tool), `${tool} should be allowed`);
    }
    const minimal: readonly string[] = OPENCLAW_PROFILE_TOOLS.minimal;
    assert.ok(
      !c.toolsAllow.some((t) => minimal.includes(t)),
      "minimal's own tools are not repeated",
    );
    assert.deepEqual(c.execCommands, ["/usr/bin/wc"]);
  });

  it("lets one template's deny beat another template's allow", () => {
    const catalog = catalogOf([
      manifest("fetcher", (m) => ((m.tools as Manifest).allow = ["browser", "web_fetch"])),
      manifest("careful", (m) => ((m.tools as Manifest).deny = ["group:web"])),
    ]);
    const c = catalog.combine(["fetcher", "careful"]);
    assert.ok(c.toolsDeny.includes("group:web"));
    assert.ok(!c.toolsAllow.includes("web_fetch"));
  });

  it("grants no exec command when another template denies exec", () => {
    const catalog = catalogOf([
      coding("writer"),
      manifest("browse", (m) => ((m.tools as Manifest).deny = ["group:runtime"])),
    ]);
    const c = catalog.combine(["writer", "browse"]);
    assert.deepEqual(c.execCommands, []);
    assert.ok(!c.toolsAllow.includes("exec"));
  });

  it("gives a browser when any template needs one, and none when a template denies it", () => {
    const catalog = catalogOf([
      manifest("browse"),
      coding("writer"),
      coding("no-browser", (m) => ((m.tools as Manifest).deny = ["browser"])),
    ]);
    assert.equal(catalog.combine(["writer", "browse"]).browser, true);
    const denied = catalog.combine(["browse", "no-browser"]);
    assert.equal(denied.browser, false);
    assert.deepEqual(denied.egressDomains, []);
  });

  it("always denies the tools no worker may have", () => {
    const c = catalogOf([manifest("one")]).combine(["one"]);
    for (const tool of ALWAYS_DENIED_TOOLS) assert.ok(c.toolsDeny.includes(tool), tool);
  });

  it("keeps the subscriber's order of template ids", () => {
    const catalog = catalogOf([manifest("one"), manifest("two")]);
    assert.deepEqual(catalog.combine(["two", "one"]).templateIds, ["two", "one"]);
  });
});

describe("combining the shipped templates", () => {
  const catalog = loadTemplateCatalog();

  it("lists a CDN shared by Instagram and Facebook once", () => {
    const c = catalog.combine(["instagram-engagement", "facebook-groups"]);
    assert.equal(c.egressDomains.filter((d) => d === ".fbcdn.net").length, 1);
    assert.deepEqual(c.egressDomains, [...c.egressDomains].sort());
  });

  it("takes exec away from a writer combined with a social browsing template", () => {
    assert.deepEqual(catalog.combine(["blog-writer"]).execCommands, [
      "/usr/bin/diff",
      "/usr/bin/wc",
    ]);
    const c = catalog.combine(["x-engagement", "blog-writer"]);
    assert.deepEqual(c.execCommands, []);
    assert.equal(c.browser, true);
    assert.equal(c.heartbeatMinutes, 30);
  });

  it("combines every legend-sized choice without a domain Squid would refuse", () => {
    const ids = catalog.ids();
    for (let i = 0; i + 5 <= ids.length; i += 5) {
      const c = catalog.combine(ids.slice(i, i + 5));
      for (const d of c.egressDomains) {
        const host = d.replace(/^\./, "");
        const clash = c.egressDomains.find(
          (o) => o !== d && o.startsWith(".") && (host === o.slice(1) || host.endsWith(o)),
        );
        assert.equal(clash, undefined, `${d} is covered by ${clash}`);
      }
    }
  });
});
