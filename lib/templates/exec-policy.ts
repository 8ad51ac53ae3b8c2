import path from "node:path";

/**
 * Programs no template may put on a worker's exec allowlist. OpenClaw's allowlist admits a path with any
 * arguments, so a program is only safe to list when no argument can make it run other code or open a
 * network connection: shells and interpreters run code by design, network tools reach past the egress
 * proxy's domain list, and the rest start arbitrary programs through an option (`find -exec`,
 * `sort --compress-program`, `tar --to-command`, `git` hooks, an editor's shell escape).
 * Names are compared by basename, so `/usr/local/bin/bash` is refused like `/bin/bash`.
 */
export const FORBIDDEN_EXEC: Readonly<Record<string, readonly string[]>> = {
  shell: [
    "sh",
    "bash",
    "dash",
    "zsh",
    "ksh",
    "mksh",
    "csh",
    "tcsh",
    "fish",
    "ash",
    "rbash",
    "busybox",
  ],
  interpreter: [
    "node",
    "nodejs",
    "deno",
    "bun",
    "python",
    "perl",
    "ruby",
    "php",
    "lua",
    "tclsh",
    "wish",
    "expect",
    "awk",
    "gawk",
    "mawk",
    "nawk",
    "sed",
    "jshell",
    "java",
    "osascript",
    "pwsh",
  ],
  "network tool": [
    "curl",
    "wget",
    "nc",
    "ncat",
    "netcat",
    "socat",
    "ssh",
    "scp",
    "sftp",
    "rsync",
    "telnet",
    "ftp",
    "tftp",
    "openssl",
    "chromium",
    "chromium-browser",
    "google-chrome",
  ],
  "program launcher": [
    "env",
    "xargs",
    "find",
    "sort",
    "tar",
    "zip",
    "git",
    "make",
    "sudo",
    "su",
    "doas",
    "nohup",
    "timeout",
    "nice",
    "setsid",
    "script",
    "watch",
    "strace",
    "vi",
    "vim",
    "nvim",
    "ed",
    "ex",
    "emacs",
    "nano",
    "less",
    "more",
    "man",
    "docker",
    "openclaw",
  ],
};

const byName = new Map(
  Object.entries(FORBIDDEN_EXEC).flatMap(([kind, names]) => names.map((n) => [n, kind] as const)),
);

/** Versioned interpreter names (`python3.11`, `perl5.36`, `ruby3.1`, `node24`) reduce to their family. */
function familyOf(basename: string): string {
  return basename.replace(/[0-9][0-9.]*$/, "");
}

/**
 * Why `command` may not be on an exec allowlist, as a sentence fragment, or undefined when it may.
 * Also refuses anything that is not a plain absolute path, since OpenClaw matches allowlist entries as
 * paths and a relative name would resolve through PATH.
 */
export function execCommandProblem(command: string): string | undefined {
  if (!path.posix.isAbsolute(command)) return "is not an absolute path";
  if (path.posix.normalize(command) !== command || command.endsWith("/")) {
    return "is not a normalised path to a program";
  }
  const base = path.posix.basename(command);
  const kind = byName.get(base) ?? byName.get(familyOf(base));
  if (kind)
    return `is ${/^[aeiou]/.test(kind) ? "an" : "a"} ${kind}, which a worker may never exec`;
  return undefined;
}
