/**
 * Egress domains in Squid `dstdomain` syntax: `.x.com` matches x.com and every subdomain, `x.com` only
 * that host. Squid refuses a list holding both forms of one domain, and the egress proxy denies IP
 * destinations outright, so both are refused here, where the template author can still fix them.
 */

const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/** Why `domain` is not an acceptable entry, as a sentence fragment, or undefined when it is. */
export function domainProblem(domain: string): string | undefined {
  if (domain.includes("*")) {
    return "uses a wildcard; write `.example.com` for a domain and its subdomains";
  }
  const host = domain.startsWith(".") ? domain.slice(1) : domain;
  if (host.includes(":") || host.startsWith("[") || /^[0-9.]+$/.test(host)) {
    return "is an IP address; name a domain, the egress proxy never allows IP destinations";
  }
  const labels = host.split(".");
  if (labels.length < 2 || !labels.every((l) => LABEL.test(l))) {
    return "is not a lower-case domain name with at least two labels";
  }
  if (/^[0-9]+$/.test(labels[labels.length - 1])) {
    return "ends in a numeric label, which no public domain does";
  }
  return undefined;
}

/** The entry in `domains` other than `domain` that already covers it, if any. */
export function coveringDomain(domain: string, domains: readonly string[]): string | undefined {
  const host = domain.startsWith(".") ? domain.slice(1) : domain;
  return domains.find((other) => {
    if (other === domain || !other.startsWith(".")) return false;
    return host === other.slice(1) || host.endsWith(other);
  });
}

/**
 * Merges domain lists into one list Squid accepts: sorted, without duplicates, and without any entry
 * that a wildcard entry (`.x.com`) already covers, so `x.com`, `www.x.com` and `.cdn.x.com` fold into
 * `.x.com`.
 */
export function mergeDomains(lists: readonly (readonly string[])[]): string[] {
  const all = [...new Set(lists.flat())];
  return all.filter((d) => coveringDomain(d, all) === undefined).sort();
}
