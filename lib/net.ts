/** IPv4 address maths for the cell's fixed addressing. Addresses are kept as unsigned 32-bit numbers. */

export interface Cidr {
  base: number;
  prefix: number;
}

const OCTET = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

export function parseIpv4(text: string): number | undefined {
  const parts = text.split(".");
  if (parts.length !== 4 || !parts.every((p) => OCTET.test(p))) return undefined;
  return parts.reduce((acc, p) => acc * 256 + Number(p), 0);
}

export function formatIpv4(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join(".");
}

/** Parses `a.b.c.d/n`; the address must be the network's first address. */
export function parseCidr(text: string): Cidr | undefined {
  const [address, prefixText, ...rest] = text.split("/");
  if (rest.length || prefixText === undefined || !/^\d{1,2}$/.test(prefixText)) return undefined;
  const base = parseIpv4(address);
  const prefix = Number(prefixText);
  if (base === undefined || prefix > 32) return undefined;
  if (base % cidrSize({ base, prefix }) !== 0) return undefined;
  return { base, prefix };
}

export function cidrSize(cidr: Cidr): number {
  return 2 ** (32 - cidr.prefix);
}

export function formatCidr(cidr: Cidr): string {
  return `${formatIpv4(cidr.base)}/${cidr.prefix}`;
}

/** The address at `offset` from the start of the network, refusing the network and broadcast address. */
export function hostAddress(cidr: Cidr, offset: number): string {
  if (!Number.isInteger(offset) || offset < 1 || offset >= cidrSize(cidr) - 1) {
    throw new RangeError(`offset ${offset} is outside the usable range of ${formatCidr(cidr)}`);
  }
  return formatIpv4(cidr.base + offset);
}

export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  return a.base < b.base + cidrSize(b) && b.base < a.base + cidrSize(a);
}
