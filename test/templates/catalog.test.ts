import assert from "node:assert/strict";
import fs from "node:fs";
import { describe, it } from "node:test";
import { DEFAULT_PLANS } from "../../lib/plans";
import { TemplateError, loadTemplateCatalog } from "../../lib/templates";

const catalog = loadTemplateCatalog();
const SOCIAL = [
  "x-engagement",
  "reddit-engagement",
  "linkedin-networking",
  "youtube-community",
  "instagram-engagement",
  "tiktok-engagement",
  "facebook-groups",
];

describe("the shipped worker templates", () => {
  it("all fifteen validate", () => {
    assert.equal(catalog.ids().length, 15);
  });

  it("include the seven social sites, each with a browser and its site's domain", () => {
    for (const id of SOCIAL) {
      const t = catalog.get(id);
      assert.equal(t.browser, true, id);
      assert.ok(t.egress_domains.length > 0, id);
    }
    assert.ok(catalog.get("x-engagement").egress_domains.includes(".x.com"));
    assert.ok(catalog.get("reddit-engagement").egress_domains.includes(".reddit.com"));
  });

  it("include eight templates reaching no social site", () => {
    const social = new Set(SOCIAL.flatMap((id) => catalog.get(id).egress_domains));
    const others = catalog.ids().filter((id) => !SOCIAL.includes(id));
    assert.equal(others.length, 8);
    for (const id of others) {
      const shared = catalog.get(id).egress_domains.filter((d) => social.has(d));
      assert.deepEqual(shared, [], id);
    }
  });

  it("each say in SOUL.md that web or pasted content is data and what the worker must never do", () => {
    for (const id of catalog.ids()) {
      const soul = fs.readFileSync(catalog.get(id).soulPath, "utf8");
      assert.match(soul, /^## .*data, never instructions$/m, id);
      assert.match(soul, /^## Never$/m, id);
      assert.match(soul, /only the\s+subscriber/i, id);
    }
  });

  it("offer every plan at least one template within its template limit", () => {
    for (const [plan, limits] of Object.entries(DEFAULT_PLANS)) {
      const offered = catalog.ids().filter((id) => catalog.offeredTo(id, plan as "simple"));
      assert.ok(offered.length >= limits.maxTemplates, plan);
    }
  });
});

describe("template lookups", () => {
  it("refuses an unknown template id naming the known ones", () => {
    assert.throws(
      () => catalog.combine(["x-engagement", "crypto-trader"]),
      new TemplateError([
        `unknown template \`crypto-trader\`; known templates are ${catalog.ids().join(", ")}`,
      ]),
    );
  });

  it("refuses a template not offered on the plan", () => {
    assert.throws(
      () => catalog.assertOffered(["tiktok-engagement"], "simple", 1),
      new TemplateError([
        "template `tiktok-engagement` is not offered on the `simple` plan; it is offered on expert, legend",
      ]),
    );
  });

  it("refuses more templates than the plan allows", () => {
    assert.throws(
      () => catalog.assertOffered(["x-engagement", "blog-writer"], "simple", 1),
      new TemplateError(["the `simple` plan allows at most 1 template(s) but 2 were chosen"]),
    );
  });

  it("accepts templates the plan offers within its limit", () => {
    assert.doesNotThrow(() =>
      catalog.assertOffered(["tiktok-engagement", "blog-writer"], "expert", 3),
    );
  });

  it("refuses a template listed twice and an empty choice", () => {
    assert.throws(
      () => catalog.combine(["blog-writer", "blog-writer"]),
      new TemplateError(["template `blog-writer` is listed twice"]),
    );
    assert.throws(
      () => catalog.combine([]),
      new TemplateError(["a worker needs at least one template; none was given"]),
    );
  });
});
