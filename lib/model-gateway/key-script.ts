/**
 * The shell script a cell host runs to register, update or remove one worker's model key. It reads the
 * master key and the worker's key from stdin, so neither reaches a command line, an environment or a
 * log: curl gets the header, the URL and the body through file descriptors, not through its arguments.
 */
import { shellQuote } from "../../components/host-command";
import { type AdminCall, type EnsureKeyCalls, KEY_PLACEHOLDER } from "./keys";

export interface KeyScriptOptions {
  /** The admin API as the host sees it: LiteLLM's port published on the host's loopback. */
  adminUrl: string;
  /** How long to wait for LiteLLM to report ready before giving up. */
  readySeconds?: number;
}

/** What the script expects on stdin: the master key, then the worker's key, one per line. */
export function keyScriptStdin(masterKey: string, workerKey: string): string {
  return `${masterKey}\n${workerKey}\n`;
}

export function renderEnsureKeyScript(calls: EnsureKeyCalls, options: KeyScriptOptions): string {
  return [
    ...prelude(options),
    `probe=$(${callLine(calls.probe)})`,
    "if [[ $probe == 200 ]]; then",
    ...calls.whenPresent.map((c) => `  ${callLine(c)} >/dev/null`),
    "else",
    ...calls.whenMissing.map((c) => `  ${callLine(c)} >/dev/null`),
    "fi",
    ...calls.always.map((c) => `${callLine(c)} >/dev/null`),
    "",
  ].join("\n");
}

export function renderRemoveKeyScript(calls: AdminCall[], options: KeyScriptOptions): string {
  return [...prelude(options), ...calls.map((c) => `${callLine(c)} >/dev/null`), ""].join("\n");
}

function callLine(call: AdminCall): string {
  const body = call.body === undefined ? "''" : shellQuote(JSON.stringify(call.body));
  const words = [call.label, call.method, call.path].map(shellQuote);
  return `call ${words.join(" ")} ${body} ${call.accept.join(" ")}`;
}

function prelude(options: KeyScriptOptions): string[] {
  const url = options.adminUrl.replace(/\/+$/, "");
  if (!/^http:\/\/(127\.0\.0\.1|localhost|\[::1\]):\d+$/.test(url)) {
    throw new Error(
      `Admin URL \`${options.adminUrl}\` is not on the host's loopback (accepted: http://127.0.0.1:PORT).`,
    );
  }
  const rounds = Math.max(1, Math.ceil((options.readySeconds ?? 180) / 2));
  return [
    "set -euo pipefail",
    `base=${shellQuote(url)}`,
    "IFS= read -r master || true",
    "IFS= read -r key || true",
    'fail() { echo "model gateway key: $*" >&2; exit 1; }',
    `[[ $master =~ ^sk-[A-Za-z0-9_-]+$ ]] || fail "the master key on stdin does not start with sk-"`,
    `[[ $key =~ ^sk-iw-[0-9a-f]{64}$ ]] || fail "the worker key on stdin is not sk-iw- and 64 hex digits"`,
    ...readyWait(rounds),
    ...callFunction(),
  ];
}

function readyWait(rounds: number): string[] {
  return [
    `for round in $(seq 1 ${rounds}); do`,
    '  curl -sf -o /dev/null --max-time 2 "$base/health/readiness" && break',
    `  [[ $round == ${rounds} ]] && fail "LiteLLM at $base was not ready after ${rounds * 2} seconds"`,
    "  sleep 2",
    "done",
  ];
}

/** `call LABEL METHOD PATH BODY ACCEPTED...` prints the status code, or stops the script on any other. */
function callFunction(): string[] {
  return [
    "call() {",
    "  local label=$1 method=$2 path=${3//" +
      KEY_PLACEHOLDER +
      "/$key} body=${4//" +
      KEY_PLACEHOLDER +
      "/$key}",
    "  shift 4",
    '  local auth="Authorization: Bearer $master" code',
    "  if [[ -n $body ]]; then",
    "    code=$(printf '%s' \"$body\" | curl -sS -o /dev/null -w '%{http_code}' --max-time 30 \\",
    '      -X "$method" -H @<(printf \'%s\\nContent-Type: application/json\\n\' "$auth") \\',
    '      --data-binary @- --config <(printf \'url = "%s%s"\\n\' "$base" "$path")) ||',
    '      fail "$label: the admin API at $base did not answer"',
    "  else",
    "    code=$(curl -sS -o /dev/null -w '%{http_code}' --max-time 30 -X \"$method\" \\",
    '      -H @<(printf \'%s\\n\' "$auth") --config <(printf \'url = "%s%s"\\n\' "$base" "$path")) ||',
    '      fail "$label: the admin API at $base did not answer"',
    "  fi",
    '  for ok in "$@"; do [[ $code == "$ok" ]] && { echo "$code"; return 0; }; done',
    '  fail "$label: the admin API answered $code (accepted: $*)"',
    "}",
  ];
}
