/**
 * Undoes the cheap disguises attackers put on injected text before the rules run: Unicode look-alikes,
 * zero-width and bidi characters, letter spacing ("i g n o r e"), leetspeak, and encodings (base64,
 * percent-encoding, hex and HTML escapes, rot13). Each variant remembers how it was obtained, so a
 * finding can say "found after decoding base64".
 */
export interface Variant {
  text: string;
  via: string;
}

const INVISIBLE =
  /[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff]/g;

/** Cyrillic and Greek letters that render like Latin ones. */
const HOMOGLYPHS: Record<string, string> = {
  а: "a",
  е: "e",
  о: "o",
  р: "p",
  с: "c",
  у: "y",
  х: "x",
  і: "i",
  ј: "j",
  ѕ: "s",
  ԁ: "d",
  һ: "h",
  ӏ: "l",
  ԛ: "q",
  ԝ: "w",
  А: "A",
  В: "B",
  Е: "E",
  К: "K",
  М: "M",
  Н: "H",
  О: "O",
  Р: "P",
  С: "C",
  Т: "T",
  Х: "X",
  І: "I",
  α: "a",
  ο: "o",
  ρ: "p",
  ν: "v",
  τ: "t",
  ι: "i",
  κ: "k",
  Ι: "I",
  Ο: "O",
};

const LEET: Record<string, string> = {
  "0": "o",
  "1": "i",
  "3": "e",
  "4": "a",
  "5": "s",
  "7": "t",
  "@": "a",
  $: "s",
  "!": "i",
};

export function canonical(text: string): string {
  return text
    .normalize("NFKC")
    .replace(INVISIBLE, "")
    .replace(/[\u0370-\u03ff\u0400-\u04ff\u0500-\u052f]/g, (c) => HOMOGLYPHS[c] ?? c);
}

/** Joins runs of single characters split by one separator: "i g n o r e" or "i.g.n.o.r.e". */
function unspace(text: string): string {
  return text.replace(/\b(?:[A-Za-z][ ._\-*]){3,}[A-Za-z]\b/g, (run) =>
    run.replace(/[ ._\-*]/g, ""),
  );
}

function rot13(text: string): string {
  return text.replace(/[A-Za-z]/g, (c) => {
    const base = c <= "Z" ? 65 : 97;
    return String.fromCharCode(((c.charCodeAt(0) - base + 13) % 26) + base);
  });
}

function printableShare(text: string): number {
  if (!text.length) return 0;
  const printable = text.match(/[\x20-\x7e\n\r\t]/g)?.length ?? 0;
  return printable / text.length;
}

function decodeBase64Runs(text: string): string[] {
  const decoded: string[] = [];
  for (const run of text.match(/[A-Za-z0-9+/_-]{16,}={0,2}/g) ?? []) {
    const candidate = Buffer.from(run.replace(/-/g, "+").replace(/_/g, "/"), "base64").toString(
      "utf8",
    );
    if (candidate.length >= 8 && printableShare(candidate) > 0.9) decoded.push(candidate);
  }
  return decoded;
}

function decodeEscapes(text: string): string | undefined {
  let changed = false;
  const out = text
    .replace(/%([0-9a-f]{2})/gi, (_, h) => ((changed = true), String.fromCharCode(parseInt(h, 16))))
    .replace(
      /\\x([0-9a-f]{2})/gi,
      (_, h) => ((changed = true), String.fromCharCode(parseInt(h, 16))),
    )
    .replace(
      /\\u([0-9a-f]{4})/gi,
      (_, h) => ((changed = true), String.fromCharCode(parseInt(h, 16))),
    )
    .replace(
      /&#x([0-9a-f]+);/gi,
      (_, h) => ((changed = true), String.fromCodePoint(parseInt(h, 16))),
    )
    .replace(/&#(\d+);/g, (_, d) => ((changed = true), String.fromCodePoint(Number(d))));
  return changed ? out : undefined;
}

/** The texts to run the rules over; the first is the canonical form of the input itself. */
export function variants(text: string): Variant[] {
  const plain = canonical(text);
  const out: Variant[] = [{ text: plain, via: "plain" }];
  const unspaced = unspace(plain);
  if (unspaced !== plain) out.push({ text: unspaced, via: "letter spacing" });
  const leet = plain.replace(/[013457@$!]/g, (c) => LEET[c] ?? c);
  if (leet !== plain) out.push({ text: leet, via: "leetspeak" });
  const escaped = decodeEscapes(plain);
  if (escaped !== undefined) out.push({ text: canonical(escaped), via: "escapes" });
  for (const decoded of decodeBase64Runs(plain))
    out.push({ text: canonical(decoded), via: "base64" });
  out.push({ text: rot13(plain), via: "rot13" });
  return out;
}
