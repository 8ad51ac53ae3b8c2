import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { TemplateError, loadTemplateCatalog } from "../../lib/templates";
import { type Manifest, catalogOf, loadError, manifest, writeTemplates } from "./fixtures";

const FILE = "worker-templates/bad/template.yaml";
const bad = (change: (m: Manifest) => void) => loadError([manifest("bad", change)]);
const tools = (m: Manifest) => m.tools as Record<string, unknown>;

describe("template manifest validation", () => {
  it("accepts the unchanged fixture", () => {
    assert.deepEqual(catalogOf([manifest("good")]).ids(), ["good"]);
  });

  it("refuses an unknown field and lists the accepted ones", () => {
    assert.equal(
      bad((m) => (m.network = "host")),
      `${FILE}: unknown field \`network\`; accepted fields are id, name, description, plans, ` +
        "browser, egress_domains, tools, exec_commands, heartbeat_minutes",
    );
  });

  it("refuses an unknown field inside tools", () => {
    assert.equal(
      bad((m) => (tools(m).exec = { mode: "full" })),
      `${FILE}: unknown field \`exec\` in \`tools\`; accepted fields are profile, allow, deny`,
    );
  });

  it("refuses a domain listed both with and without the leading dot", () => {
    assert.equal(
      bad((m) => (m.egress_domains = [".x.com", "x.com"])),
      `${FILE}: egress domain \`x.com\` is already covered by \`.x.com\`; keep only \`.x.com\``,
    );
  });

  it("refuses an IP address as a domain", () => {
    assert.equal(
      bad((m) => (m.egress_domains = [".example.com", "10.210.0.3"])),
      `${FILE}: egress domain \`10.210.0.3\` is an IP address; name a domain, the egress proxy never ` +
        "allows IP destinations",
    );
  });

  it("refuses an IPv6 literal as a domain", () => {
    assert.match(
      bad((m) => (m.egress_domains = ["[::1]"])),
      /`\[::1\]` is an IP address/,
    );
  });

  it("refuses a wildcard other than the leading dot", () => {
    assert.equal(
      bad((m) => (m.egress_domains = ["*.example.com"])),
      `${FILE}: egress domain \`*.example.com\` uses a wildcard; write \`.example.com\` for a domain ` +
        "and its subdomains",
    );
  });

  it("refuses a top-level domain on its own", () => {
    assert.equal(
      bad((m) => (m.egress_domains = [".com"])),
      `${FILE}: egress domain \`.com\` is not a lower-case domain name with at least two labels`,
    );
  });

  it("refuses a tool that does not exist in OpenClaw", () => {
    assert.equal(
      bad((m) => (tools(m).deny = ["filesystem"])),
      `${FILE}: \`tools.deny\` names \`filesystem\`, which is not an OpenClaw 2026.9.6 tool or group ` +
        "(see lib/templates/openclaw-tools.ts)",
    );
  });

  it("refuses a template offered to no plan", () => {
    assert.equal(
      bad((m) => (m.plans = [])),
      `${FILE}: \`plans\` is empty, so the template is offered to no plan; list some of simple, ` +
        "expert, legend",
    );
  });

  it("refuses a plan that does not exist", () => {
    assert.equal(
      bad((m) => (m.plans = ["simple", "gold"])),
      `${FILE}: \`plans\` names \`gold\`, which is not a plan; accepted plans are simple, expert, legend`,
    );
  });

  it("refuses the full tool profile", () => {
    assert.equal(
      bad((m) => (tools(m).profile = "full")),
      `${FILE}: \`tools.profile\` is \`full\`; accepted profiles are minimal, messaging, coding ` +
        "(`full` would grant every plugin tool unreviewed)",
    );
  });

  it("refuses allowing a tool no worker may have", () => {
    assert.equal(
      bad((m) => (tools(m).allow = ["browser", "heartbeat_respond", "gateway"])),
      `${FILE}: \`tools.allow\` names \`gateway\`, which no worker may have (code_execution, gateway, ` +
        "group:nodes, openclaw, plugins, secrets, terminal)",
    );
  });

  it("refuses a browser template that may reach no domain", () => {
    assert.equal(
      bad((m) => (m.egress_domains = [])),
      `${FILE}: \`browser\` is true but \`egress_domains\` is empty; a browser that may reach nothing ` +
        "is useless",
    );
  });

  it("refuses egress domains for a template without a browser", () => {
    assert.equal(
      bad((m) => {
        m.browser = false;
        tools(m).allow = ["heartbeat_respond"];
      }),
      `${FILE}: \`egress_domains\` is set but \`browser\` is false; a worker without a browser gets no ` +
        "egress proxy",
    );
  });

  it("refuses exec commands when the template does not grant exec", () => {
    assert.equal(
      bad((m) => (m.exec_commands = ["/usr/bin/wc"])),
      `${FILE}: \`exec_commands\` is set but the template does not grant the \`exec\` tool`,
    );
  });

  it("refuses a heartbeat more often than every five minutes", () => {
    assert.equal(
      bad((m) => (m.heartbeat_minutes = 1)),
      `${FILE}: \`heartbeat_minutes\` is below 5; a worker may wake at most every 5 minutes`,
    );
  });

  it("names a missing field and a field of the wrong type", () => {
    assert.equal(
      bad((m) => {
        delete m.browser;
        m.heartbeat_minutes = "hourly";
      }),
      `  - ${FILE}: \`browser\` is missing\n  - ${FILE}: \`heartbeat_minutes\` must be a number`,
    );
  });

  it("reports every broken template at once", () => {
    const message = loadError([
      manifest("one", (m) => (m.heartbeat_minutes = 0)),
      manifest("two", (m) => (m.egress_domains = ["192.168.1.1"])),
    ]);
    assert.equal(message.split("\n").length, 2);
    assert.match(message, /one\/template\.yaml: `heartbeat_minutes` is below 5/);
    assert.match(message, /two\/template\.yaml: egress domain `192\.168\.1\.1` is an IP address/);
  });

  it("refuses a manifest that is not YAML", () => {
    const { dir, cleanup } = writeTemplates([manifest("bad")]);
    try {
      fs.writeFileSync(path.join(dir, "bad", "template.yaml"), "id: bad\nid: again\n");
      assert.throws(
        () => loadTemplateCatalog(dir),
        /^TemplateError: worker-templates\/bad\/template\.yaml is not valid YAML: /,
      );
    } finally {
      cleanup();
    }
  });

  it("refuses a template without its SOUL.md", () => {
    const { dir, cleanup } = writeTemplates([manifest("bad")]);
    try {
      fs.rmSync(path.join(dir, "bad", "SOUL.md"));
      assert.throws(
        () => loadTemplateCatalog(dir),
        new TemplateError([
          "worker-templates/bad/SOUL.md is missing or empty; every template needs one",
        ]),
      );
    } finally {
      cleanup();
    }
  });

  it("refuses an id that differs from the directory name", () => {
    const m = manifest("bad");
    const { dir, cleanup } = writeTemplates([m]);
    try {
      fs.renameSync(path.join(dir, "bad"), path.join(dir, "other"));
      assert.throws(
        () => loadTemplateCatalog(dir),
        new TemplateError([
          "worker-templates/other/template.yaml: `id` is `bad` but the directory is `other`; make " +
            "them equal",
        ]),
      );
    } finally {
      cleanup();
    }
  });
});
