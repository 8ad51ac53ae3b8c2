import { resourcePolicy } from "../lib/define";
import { isSecretName, keyShapeOf, MODEL_KEY_VARIABLE, WORKER_KEY } from "../lib/key-shapes";
import { envOf, isWorker, labelsOf, TYPES } from "../lib/resource";

/**
 * The assistant name is the subscriber's own free text. Scanning it would let one subscriber block every
 * deploy of the cell by typing a key-shaped name; it is written only as JSON data, never used as a key.
 */
const UNTRUSTED_TEXT = "IW_ASSISTANT_NAME";

export const workerNoProviderKeys = resourcePolicy({
  name: "worker-no-provider-keys",
  description:
    "Checks that no worker container's environment or labels hold a provider key, a key-shaped value or a variable named like a credential.",
  types: [TYPES.container],
  applies: isWorker,
  check({ props }) {
    const problems: string[] = [];
    for (const [name, value] of envOf(props)) {
      if (name === MODEL_KEY_VARIABLE) {
        if (!WORKER_KEY.test(value)) {
          problems.push(`must hold only its own \`sk-iw-\` model key in \`${name}\``);
        }
        continue;
      }
      // Values are never echoed: the message names where the key sits, not what it is.
      if (isSecretName(name))
        problems.push(`must hold no credential; its environment sets \`${name}\``);
      const shape = name === UNTRUSTED_TEXT ? undefined : keyShapeOf(value);
      if (shape) problems.push(`must hold no provider key; \`${name}\` holds a ${shape} key`);
    }
    for (const [label, value] of Object.entries(labelsOf(props))) {
      const inName = keyShapeOf(label);
      if (inName) problems.push(`must hold no provider key; a label name is a ${inName} key`);
      const inValue = keyShapeOf(value);
      if (inValue)
        problems.push(`must hold no provider key; label \`${label}\` holds a ${inValue} key`);
    }
    return problems;
  },
});
