/**
 * Drives the real CrossGuard pack (policy/index.ts, `@pulumi/policy`'s own gRPC analyzer server) the way
 * the Pulumi CLI does. The CLI cannot run here, so this client is its stand-in: it starts the pack,
 * reads the port it prints, and sends the engine's Analyze, AnalyzeStack and GetAnalyzerInfo calls.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { PackResource } from "../../policy/lib/runner";

const POLICY_DIR = path.resolve(__dirname, "..", "..", "policy");
const fromPack = createRequire(path.join(POLICY_DIR, "package.json"));
const grpc = fromPack("@grpc/grpc-js");
const services = fromPack("@pulumi/pulumi/proto/analyzer_grpc_pb.js");
const messages = fromPack("@pulumi/pulumi/proto/analyzer_pb.js");
const { Struct } = fromPack("google-protobuf/google/protobuf/struct_pb.js");
const { Empty } = fromPack("google-protobuf/google/protobuf/empty_pb.js");

export interface Diagnostic {
  policy: string;
  level: string;
  message: string;
  urn: string;
}

export class PackServer {
  private constructor(
    private readonly child: ChildProcess,
    private readonly client: any,
  ) {}

  static async start(): Promise<PackServer> {
    const tsx = pathToFileURL(require.resolve("tsx")).href;
    const child = spawn(process.execPath, ["--import", tsx, "index.ts"], {
      cwd: POLICY_DIR,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const port = await new Promise<string>((resolve, reject) => {
      let out = "";
      let err = "";
      child.stdout!.on("data", (d) => {
        out += d;
        const match = /^(\d+)\s/m.exec(out);
        if (match) resolve(match[1]);
      });
      child.stderr!.on("data", (d) => (err += d));
      child.once("exit", (code) =>
        reject(new Error(`the pack exited with ${code}: ${err.trim()}`)),
      );
    });
    const client = new services.AnalyzerClient(
      `127.0.0.1:${port}`,
      grpc.credentials.createInsecure(),
    );
    return new PackServer(child, client);
  }

  stop(): void {
    this.client.close();
    this.child.kill();
  }

  async info(): Promise<any> {
    return (await this.call("getAnalyzerInfo", new Empty())).toObject();
  }

  async analyze(r: PackResource): Promise<Diagnostic[]> {
    return diagnostics(await this.call("analyze", describeTo(new messages.AnalyzeRequest(), r)));
  }

  async analyzeStack(resources: PackResource[]): Promise<Diagnostic[]> {
    const req = new messages.AnalyzeStackRequest();
    req.setResourcesList(
      resources.map((r) => {
        const res = describeTo(new messages.AnalyzerResource(), r);
        if (r.parent) res.setParent(r.parent);
        res.setDependenciesList(r.dependencies ?? []);
        return res;
      }),
    );
    return diagnostics(await this.call("analyzeStack", req));
  }

  private call(method: string, req: unknown): Promise<any> {
    return new Promise((resolve, reject) =>
      this.client[method](req, (err: Error | null, res: any) => (err ? reject(err) : resolve(res))),
    );
  }
}

/** The fields a single-resource request and a stack entry share. */
function describeTo(message: any, r: PackResource) {
  message.setType(r.type);
  message.setName(r.name);
  message.setUrn(r.urn);
  message.setProperties(Struct.fromJavaScript(r.props));
  message.setOptions(options(r));
  return message;
}

/** The options the engine sends; it has no field for `retainOnDelete`, so none is sent here either. */
function options(r: PackResource) {
  const opts = new messages.AnalyzerResourceOptions();
  opts.setProtect(r.opts.protect);
  if (r.opts.deleteBeforeReplace !== undefined) {
    opts.setDeletebeforereplace(r.opts.deleteBeforeReplace);
    opts.setDeletebeforereplacedefined(true);
  }
  if (r.parent) opts.setParent(r.parent);
  return opts;
}

function diagnostics(res: any): Diagnostic[] {
  return res.getDiagnosticsList().map((d: any) => ({
    policy: d.getPolicyname(),
    level: ["advisory", "mandatory", "disabled", "remediate"][d.getEnforcementlevel()] ?? "unknown",
    message: d.getMessage(),
    urn: d.getUrn(),
  }));
}
