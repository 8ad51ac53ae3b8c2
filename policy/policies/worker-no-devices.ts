import { resourcePolicy } from "../lib/define";
import { isWorker, TYPES } from "../lib/resource";

const DEVICE_FIELDS = ["devices", "deviceRequests", "deviceCgroupRules", "gpus"] as const;

export const workerNoDevices = resourcePolicy({
  name: "worker-no-devices",
  description: "Checks that no worker container is given a host device or GPU.",
  types: [TYPES.container],
  applies: isWorker,
  check({ props }) {
    return DEVICE_FIELDS.filter((field) => {
      const value = props[field];
      return Array.isArray(value) ? value.length > 0 : value !== undefined && value !== "";
    }).map((field) => `must be given no host device; \`${field}\` is set`);
  },
});
