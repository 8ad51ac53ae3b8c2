/**
 * What the scanner looks for. Three families: instructions smuggled into content the agent reads
 * (injection), commands the agent ran that an honest worker has no reason to run (command), and
 * destinations that only make sense for carrying data out (exfiltration). Each rule is a regular
 * expression over normalised text (see normalize.ts), so spacing, case, homoglyphs and encodings do
 * not hide a match.
 */
export type Family = "injection" | "command" | "exfiltration";

export interface Rule {
  id: string;
  family: Family;
  pattern: RegExp;
}

const rule = (id: string, family: Family, pattern: RegExp): Rule => ({ id, family, pattern });

export const INJECTION_RULES: Rule[] = [
  rule(
    "override-instructions",
    "injection",
    /\b(ignore|disregard|forget|override|bypass|skip)\s+(all\s+|any\s+|the\s+|your\s+|of\s+)*(previous|prior|above|earlier|preceding|original|system|safety)\s+(instructions?|prompts?|rules|directives|guidelines|context|messages?)/i,
  ),
  rule(
    "new-instructions",
    "injection",
    /\b(new|updated|revised|real|actual)\s+(system\s+)?(instructions?|directives?|orders)\s*(:|follow|are)/i,
  ),
  rule(
    "role-hijack",
    "injection",
    /\b(you\s+are\s+now|from\s+now\s+on\s+you\s+are|act\s+as|pretend\s+(to\s+be|you\s+are))\s+(an?\s+)?(unrestricted|unfiltered|jailbroken|dan\b|developer\s+mode|root|admin(istrator)?|system|evil)/i,
  ),
  rule(
    "jailbreak-persona",
    "injection",
    /\b(do\s+anything\s+now|developer\s+mode\s+enabled|jailbreak(en)?\s+mode)/i,
  ),
  rule(
    "fake-role-marker",
    "injection",
    /(<\|im_start\|>\s*(system|developer)|\[\/?(inst|sys)\]|<\/?(system|developer)(_prompt)?>|^\s*#{1,3}\s*(system|developer)\s*(prompt|message)?\s*:?\s*$|^\s*(system|developer)\s*:\s*\S)/im,
  ),
  rule(
    "prompt-exfiltration",
    "injection",
    /\b(reveal|print|show|repeat|output|leak|dump|send)\s+(me\s+)?(your|the)\s+(full\s+|entire\s+|hidden\s+)?(system\s+prompt|initial\s+instructions|instructions\s+verbatim|api\s+keys?|credentials|secrets?|environment(\s+variables)?|env\s+vars?)/i,
  ),
  rule(
    "conceal-from-user",
    "injection",
    /\b(do\s+not|don'?t|never)\s+(tell|inform|mention|show|alert|notify)\s+(this\s+to\s+)?(the\s+)?(user|owner|human|operator)/i,
  ),
];

export const COMMAND_RULES: Rule[] = [
  rule(
    "pipe-to-shell",
    "command",
    /\b(curl|wget|fetch)\b[^|\n]{0,300}\|\s*(sudo\s+)?(ba|z|da|k)?sh\b/i,
  ),
  rule(
    "decode-and-run",
    "command",
    /\b(base64|base32|xxd|openssl\s+enc)\b[^|\n]{0,80}(-d|--decode|-r)\b[^|\n]{0,80}\|\s*(ba|z|da)?sh\b/i,
  ),
  rule(
    "eval-remote",
    "command",
    /\b(ba)?sh\s+-c\s+["']?\$\((curl|wget)\b|\beval\s+["']?\$\((curl|wget|base64)\b/i,
  ),
  rule(
    "reverse-shell",
    "command",
    /(\/dev\/(tcp|udp)\/|\bnc(at)?\b[^\n]{0,60}\s-[a-z]*e\s|\bbash\s+-i\b|\bsocat\b[^\n]{0,80}exec|\bmkfifo\b[^\n]{0,80}\bnc\b)/i,
  ),
  rule(
    "destructive-delete",
    "command",
    /\brm\s+(-[a-z]*r[a-z]*f|-[a-z]*f[a-z]*r|--recursive\s+--force|--force\s+--recursive)[a-z]*\s+(--no-preserve-root\s+)?(\/(\s|$|\*)|~|\$HOME|\/data\b|\*)/i,
  ),
  rule(
    "read-credentials",
    "command",
    /(\/etc\/(passwd|shadow|sudoers)\b|\/proc\/(self|\d+|\*)\/environ|\.ssh\/(id_[a-z0-9]+|authorized_keys)|\.aws\/credentials|\.netrc\b|\.git-credentials)/i,
  ),
  rule(
    "read-environment",
    "command",
    /(^|[\s;&|(`])(printenv|env|export\s+-p)(\s*($|[;&|>)`]))|\bprocess\.env\b|\bos\.environ\b|\$\{?IW_MODEL_KEY\b|\bIW_MODEL_KEY\b/im,
  ),
  rule(
    "read-agent-config",
    "command",
    /(openclaw\.json|openclaw-agent\.sqlite|\/data\/state\/(?!agents\/[^/\s]+\/workspace)|auth-profiles?\.json|credentials\/)/i,
  ),
  rule(
    "privilege-or-persistence",
    "command",
    /\b(chmod\s+[0-7]*[4-7][0-7]{3}\b|chmod\s+[ugoa]*\+s\b|crontab\s+-|sudo\s|su\s+-|setcap\b|nsenter\b|\/var\/run\/docker\.sock)/i,
  ),
  rule(
    "scanner-or-miner",
    "command",
    /\b(nmap|masscan|zmap|xmrig|minerd|cpuminer|hydra|sqlmap)\b|stratum\+tcp:\/\//i,
  ),
  rule(
    "upload-file",
    "command",
    /\b(curl\b[^\n]{0,200}(-d|--data(-binary)?|-F|--form|-T|--upload-file)\s+["']?@|scp\s+\S+\s+\S+@\S+:|rsync\b[^\n]{0,100}\S+@\S+:)/i,
  ),
];

export const EXFILTRATION_RULES: Rule[] = [
  rule(
    "exfil-host",
    "exfiltration",
    /\b(webhook\.site|requestbin\.(com|net)|pipedream\.net|[a-z0-9-]+\.ngrok(-free)?\.(io|app|dev)|[a-z0-9-]+\.trycloudflare\.com|interact\.sh|[a-z0-9.-]+\.oast\.(fun|live|me|pro|site|online)|burpcollaborator\.net|pastebin\.com|transfer\.sh|0x0\.st|discord(app)?\.com\/api\/webhooks|api\.telegram\.org\/bot|hooks\.slack\.com\/services)/i,
  ),
  rule(
    "ip-literal-url",
    "exfiltration",
    /\bhttps?:\/\/(?!127\.)(\d{1,3}\.){3}\d{1,3}(:\d+)?(\/|\b)/i,
  ),
  rule(
    "markdown-image-beacon",
    "exfiltration",
    /!\[[^\]]*\]\(\s*https?:\/\/[^)\s]+\?[^)\s]*=[^)\s]{16,}/i,
  ),
];

export const ALL_RULES: Rule[] = [...INJECTION_RULES, ...COMMAND_RULES, ...EXFILTRATION_RULES];
