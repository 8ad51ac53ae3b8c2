/**
 * Declares components under Pulumi's mocks (no Pulumi engine exists on these machines) and returns every
 * resource with the inputs it would send to the engine.
 */
import * as pulumi from "@pulumi/pulumi";

export interface Declared {
  type: string;
  name: string;
  inputs: Record<string, any>;
}

export async function declareUnderMocks(build: () => void): Promise<Declared[]> {
  const resources: Declared[] = [];
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        resources.push({ type: args.type, name: args.name, inputs: args.inputs });
        return { id: `${args.name}-id`, state: args.inputs };
      },
      call: () => ({}),
    },
    "instantworker",
    "test",
    false,
  );
  build();
  // Registration is asynchronous: wait until no new resource arrives for a few turns.
  for (let quiet = 0, count = -1; quiet < 5;) {
    await new Promise((r) => setTimeout(r, 5));
    quiet = resources.length === count ? quiet + 1 : 0;
    count = resources.length;
  }
  return resources;
}
