import path from "node:path";

/** Where scripts/install-openclaw.sh puts the pinned OpenClaw and its Node 24. */
export const OPENCLAW_HOME = path.resolve(__dirname, "..", "..", ".cache", "openclaw");
export const OPENCLAW_BIN = path.join(OPENCLAW_HOME, "bin", "openclaw");
export const OPENCLAW_NODE = path.join(OPENCLAW_HOME, "bin", "node");
export const OPENCLAW_PACKAGE = path.join(OPENCLAW_HOME, "pkg", "node_modules", "openclaw");
