/**
 * The cell's public names: one proxied record per running worker, one label under the zone so the free
 * edge certificate covers it, and the Cloudflare Origin CA certificate Caddy presents to Cloudflare.
 */
import * as cloudflare from "@pulumi/cloudflare";
import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import { workerHostname } from "../lib/cell-contract";

export interface CellDnsArgs {
  zone: string;
  zoneId: string;
  cell: string;
  ipv4: pulumi.Input<string>;
  /** Slugs of running workers; a suspended worker's name stops resolving with its container. */
  workers: string[];
}

export class CellDns extends pulumi.ComponentResource {
  /** The Origin CA pair the edge presents to Cloudflare; the key is a secret. */
  readonly originCertificate: pulumi.Output<string>;
  readonly originKey: pulumi.Output<string>;

  constructor(name: string, args: CellDnsArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("instantworker:cell:Dns", name, {}, opts);
    const child = { parent: this };
    const record = (id: string, host: string) =>
      new cloudflare.DnsRecord(
        `${name}-${id}`,
        {
          zoneId: args.zoneId,
          name: host,
          type: "A",
          content: args.ipv4,
          proxied: true,
          ttl: 1,
          comment: `instantworker cell ${args.cell}`,
        },
        child,
      );

    record("api", `${args.cell}-api.${args.zone}`);
    for (const slug of args.workers) record(`worker-${slug}`, workerHostname(slug, args.zone));

    // Cloudflare checks the origin against its own CA ("Full (strict)"), so nothing is self-signed.
    new cloudflare.ZoneSetting(
      `${name}-ssl-strict`,
      { zoneId: args.zoneId, settingId: "ssl", value: "strict" },
      child,
    );
    const key = new tls.PrivateKey(
      `${name}-origin-key`,
      { algorithm: "ECDSA", ecdsaCurve: "P256" },
      child,
    );
    const csr = new tls.CertRequest(
      `${name}-origin-csr`,
      {
        privateKeyPem: key.privateKeyPem,
        subject: { commonName: args.zone, organization: "InstantWorker" },
        dnsNames: [args.zone, `*.${args.zone}`],
      },
      child,
    );
    const cert = new cloudflare.OriginCaCertificate(
      `${name}-origin-cert`,
      {
        csr: csr.certRequestPem,
        hostnames: [args.zone, `*.${args.zone}`],
        requestType: "origin-ecc",
        requestedValidity: 5475,
      },
      child,
    );
    this.originCertificate = cert.certificate;
    this.originKey = pulumi.secret(key.privateKeyPem);
    this.registerOutputs({});
  }
}
