/**
 * Every policy of the pack, importable without starting a PolicyPack (only one may exist per process,
 * and constructing it starts a gRPC server), so tests and `npm run policy:check` run them directly.
 */
import type { Policies } from "@pulumi/policy";
import { containerImagePinned } from "./container-image-pinned";
import { containerRoleKnown } from "./container-role-known";
import { hostSshRestricted } from "./host-ssh-restricted";
import { hostWebCloudflareOnly } from "./host-web-cloudflare-only";
import { serviceNetworksRestricted } from "./service-networks-restricted";
import { workerCapabilitiesDropped } from "./worker-capabilities-dropped";
import { workerDataRetained } from "./worker-data-retained";
import { workerDefaultSeccomp } from "./worker-default-seccomp";
import { workerEnvironmentContract } from "./worker-environment-contract";
import { workerGatewayAuth } from "./worker-gateway-auth";
import { workerNoDevices } from "./worker-no-devices";
import { workerNoHostMounts } from "./worker-no-host-mounts";
import { workerNoHostNamespaces } from "./worker-no-host-namespaces";
import { workerNoNewPrivileges } from "./worker-no-new-privileges";
import { workerNoProviderKeys } from "./worker-no-provider-keys";
import { workerNoPublishedPorts } from "./worker-no-published-ports";
import { workerNonRootUser } from "./worker-non-root-user";
import { workerNotPrivileged } from "./worker-not-privileged";
import { workerPidsLimit } from "./worker-pids-limit";
import { workerReadOnlyRoot } from "./worker-read-only-root";
import { workerResourceLimits } from "./worker-resource-limits";
import { workersNetworkClosed } from "./workers-network-closed";
import { workerWorkersNetworkOnly } from "./worker-workers-network-only";

export const POLICIES: Policies = [
  workerCapabilitiesDropped,
  workerNoNewPrivileges,
  workerDefaultSeccomp,
  workerPidsLimit,
  workerResourceLimits,
  workerReadOnlyRoot,
  workerNonRootUser,
  workerNotPrivileged,
  workerNoHostNamespaces,
  workerNoDevices,
  workerNoHostMounts,
  workerNoPublishedPorts,
  workerWorkersNetworkOnly,
  workerNoProviderKeys,
  workerEnvironmentContract,
  workerGatewayAuth,
  workerDataRetained,
  containerImagePinned,
  containerRoleKnown,
  workersNetworkClosed,
  serviceNetworksRestricted,
  hostSshRestricted,
  hostWebCloudflareOnly,
];
