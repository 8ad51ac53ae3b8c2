/**
 * The cell's Docker networks. Workers live on an internal bridge with inter-container traffic off, so the
 * only flows between them and the cell's services are the ones the host firewall opens by address.
 */
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { LABELS, NETWORKS, SERVICE_OFFSETS } from "../lib/cell-contract";
import { type Cidr, formatCidr, hostAddress } from "../lib/net";

export interface CellNetworksArgs {
  cell: string;
  workers: Cidr;
  egress: Cidr;
  edge: Cidr;
  modelDb: Cidr;
}

export class CellNetworks extends pulumi.ComponentResource {
  readonly workers: docker.Network;
  readonly egress: docker.Network;
  readonly edge: docker.Network;
  readonly modelDb: docker.Network;

  constructor(name: string, args: CellNetworksArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("instantworker:cell:Networks", name, {}, opts);
    const child = { parent: this };
    const net = (key: keyof typeof NETWORKS, subnet: Cidr, internal: boolean, icc: boolean) =>
      new docker.Network(
        `${name}-${key}`,
        {
          name: NETWORKS[key],
          driver: "bridge",
          internal,
          ipamConfigs: [
            { subnet: formatCidr(subnet), gateway: hostAddress(subnet, SERVICE_OFFSETS.host) },
          ],
          options: {
            "com.docker.network.bridge.name": NETWORKS[key],
            "com.docker.network.bridge.enable_icc": String(icc),
          },
          labels: [{ label: LABELS.cell, value: args.cell }],
        },
        child,
      );

    this.workers = net("workers", args.workers, true, false);
    this.egress = net("egress", args.egress, false, true);
    this.edge = net("edge", args.edge, true, true);
    this.modelDb = net("modelDb", args.modelDb, true, true);
    this.registerOutputs({});
  }
}
