/** A refusal the operator can act on: the CLI prints its one-sentence message and exits 2, no stack. */
export class OpsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "OpsError";
  }
}
