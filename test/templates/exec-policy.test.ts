import assert from "node:assert/strict";
import path from "node:path";
import { describe, it } from "node:test";
import { loadTemplateCatalog } from "../../lib/templates";
import { FORBIDDEN_EXEC, execCommandProblem } from "../../lib/templates/exec-policy";
import { loadError, manifest } from "./fixtures";

/** The issue's own list; kept apart from FORBIDDEN_EXEC so shrinking that list fails this test. */
const MUST_REFUSE = [
  "sh",
  "bash",
  "dash",
  "zsh",
  "node",
  "python",
  "python3",
  "python3.11",
  "perl",
  "ruby",
  "curl",
  "wget",
  "nc",
  "ncat",
  "socat",
  "ssh",
  "telnet",
  "env",
  "busybox",
];

describe("exec commands", () => {
  it("no shipped template grants a shell, an interpreter or a network tool", () => {
    const catalog = loadTemplateCatalog();
    const granted = catalog.ids().flatMap((id) => catalog.get(id).exec_commands);
    assert.ok(
      granted.length > 0,
      "some template should grant an exec command, or this test proves nothing",
    );
    for (const command of granted) {
      assert.equal(execCommandProblem(command), undefined, command);
      assert.ok(!MUST_REFUSE.includes(path.posix.basename(command)), command);
    }
  });

  it("refuses every forbidden program by basename, wherever it lives", () => {
    for (const name of [...MUST_REFUSE, ...Object.values(FORBIDDEN_EXEC).flat()]) {
      for (const dir of ["/bin", "/usr/local/bin", "/opt/tools/bin"]) {
        assert.ok(execCommandProblem(`${dir}/${name}`), `${dir}/${name} was accepted`);
      }
    }
  });

  it("refuses versioned interpreters", () => {
    assert.equal(
      execCommandProblem("/usr/bin/python3.11"),
      "is an interpreter, which a worker may never exec",
    );
    assert.ok(execCommandProblem("/usr/bin/perl5.36"));
    assert.ok(execCommandProblem("/usr/local/bin/node24"));
  });

  it("refuses relative and unnormalised paths that could hide a shell", () => {
    assert.equal(execCommandProblem("wc"), "is not an absolute path");
    assert.equal(execCommandProblem("/usr/bin/../bin/wc"), "is not a normalised path to a program");
  });

  it("accepts a plain tool", () => {
    assert.equal(execCommandProblem("/usr/bin/wc"), undefined);
  });

  it("refuses a manifest granting a shell with one clear message", () => {
    const message = loadError([
      manifest("bad", (m) => {
        m.tools = { profile: "coding", allow: ["browser"], deny: [] };
        m.exec_commands = ["/usr/bin/wc", "/bin/bash"];
      }),
    ]);
    assert.equal(
      message,
      "worker-templates/bad/template.yaml: exec command `/bin/bash` is a shell, which a worker may never exec",
    );
  });
});
