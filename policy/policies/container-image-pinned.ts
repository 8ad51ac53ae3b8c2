import { resourcePolicy } from "../lib/define";
import { show, TYPES } from "../lib/resource";

const DIGEST = /@sha256:[0-9a-f]{64}$/;
/** What the engine holds after a pull or build: an image id is as fixed as a digest. */
const IMAGE_ID = /^sha256:[0-9a-f]{64}$/;
/**
 * An exact release: at least major.minor (PostgreSQL's `16.10` is a patch release), optionally a
 * variant suffix such as `-alpine` or `-stable`. `1`, `latest`, `stable` or `lts` all move.
 */
const EXACT_TAG = /^v?\d+\.\d+(\.\d+)*([-+._][0-9A-Za-z][0-9A-Za-z.-]*)?$/;

export function imagePinProblem(image: unknown): string | undefined {
  if (typeof image !== "string" || image === "") return `it names no image (${show(image)})`;
  if (DIGEST.test(image) || IMAGE_ID.test(image)) return undefined;
  const lastPart = image.slice(image.lastIndexOf("/") + 1);
  const colon = lastPart.lastIndexOf(":");
  if (colon < 0) return `\`${image}\` has no tag, which means \`latest\``;
  const tag = lastPart.slice(colon + 1);
  return EXACT_TAG.test(tag) ? undefined : `\`${image}\` has the moving tag \`${tag}\``;
}

export const containerImagePinned = resourcePolicy({
  name: "container-image-pinned",
  description:
    "Checks that every container image is pinned by digest or an exact version tag, never `latest` or untagged.",
  types: [TYPES.container, TYPES.remoteImage],
  check({ type, props }) {
    const image = type === TYPES.container ? props.image : props.name;
    const problem = imagePinProblem(image);
    return problem ? [`must use an image pinned by digest or exact version; ${problem}`] : [];
  },
});
