/** The cell's fixed addresses as the pack expects them, from the shared contract and the pack's config. */
import { DEFAULT_SUBNETS, PORTS, serviceAddress } from "../../lib/cell-contract";
import { parseCidr } from "../../lib/net";
import { loadTemplateCatalog, type TemplateCatalog } from "../../lib/templates";

export const CELL_DEFAULTS = { workersSubnet: DEFAULT_SUBNETS.workers as string };

export interface CellAddresses {
  edgeProxy: string;
  modelGatewayUrl: string;
  egressProxyUrl: string;
}

export function cellAddresses(workersSubnet: string): CellAddresses {
  const cidr = parseCidr(workersSubnet);
  if (!cidr) {
    throw new Error(
      `Policy config \`workersSubnet\` is \`${workersSubnet}\`; expected an IPv4 network like \`10.210.0.0/22\``,
    );
  }
  return {
    edgeProxy: serviceAddress(cidr, "edgeProxy"),
    modelGatewayUrl: `http://${serviceAddress(cidr, "modelGateway")}:${PORTS.modelGateway}/v1`,
    egressProxyUrl: `http://${serviceAddress(cidr, "egressProxy")}:${PORTS.egressProxy}`,
  };
}

let catalog: TemplateCatalog | undefined;

/** The repository's templates, read once per pack process. */
export function templateCatalog(): TemplateCatalog {
  catalog ??= loadTemplateCatalog();
  return catalog;
}
