/**
 * Which LiteLLM images the model gateway accepts. Releases before 1.83.7 carry CVE-2026-42271 (command
 * injection through the MCP test endpoints) and CVE-2026-42208 (SQL injection in the proxy), and 1.82.7
 * and 1.82.8 were a supply-chain compromise; the gateway holds every provider key, so it refuses them.
 */

export const LITELLM_MIN_VERSION: readonly [number, number, number] = [1, 83, 7];

/**
 * The release this repository was written against. Its digest could not be read from these machines (no
 * registry is reachable); whoever cuts a release resolves it with `docker buildx imagetools inspect` and
 * pins `image@sha256:<digest>` in the stack config, and the gateway warns until that is done.
 */
export const LITELLM_RECOMMENDED = "ghcr.io/berriai/litellm:v1.101.0-stable";

const TAGGED_VERSION = /:v?(\d+)\.(\d+)\.(\d+)(?:[-.][\w.-]*)?(?:@sha256:[a-f0-9]{64})?$/;
const DIGEST = /@sha256:[a-f0-9]{64}$/;

/**
 * Refuses a LiteLLM image older than the floor; returns a warning when the image is not pinned by digest
 * (a tag can be moved, a digest cannot), or undefined when it is.
 */
export function checkLitellmImage(image: string): string | undefined {
  const match = TAGGED_VERSION.exec(image);
  if (match) {
    const version = match.slice(1, 4).map(Number);
    if (compare(version, LITELLM_MIN_VERSION) < 0) {
      throw new Error(
        `Model gateway image \`${image}\` is LiteLLM ${version.join(".")}, which CVE-2026-42271 and CVE-2026-42208 affect (accepted: ${LITELLM_MIN_VERSION.join(".")} or later, e.g. ${LITELLM_RECOMMENDED}).`,
      );
    }
  } else if (!DIGEST.test(image)) {
    throw new Error(
      `Model gateway image \`${image}\` names no LiteLLM version (accepted: a tag such as ${LITELLM_RECOMMENDED}, pinned with @sha256:<digest>).`,
    );
  }
  return DIGEST.test(image)
    ? undefined
    : `Model gateway image ${image} is pinned by tag only; pin its digest (image@sha256:...) before a production deploy.`;
}

function compare(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
}
