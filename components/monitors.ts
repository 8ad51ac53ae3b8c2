/**
 * The cell host's monitors and data-lifecycle timers. Installs, through host commands, the cell file the
 * tools read, the systemd units that run them from the cell-tools image, and the secrets file holding the
 * alert webhook and the model gateway's master key.
 */
import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import { renderCellToolUnits, type CellToolsUnitsArgs } from "../lib/render/systemd";
import {
  renderCellFileScript,
  renderEnvFile,
  renderUnitsRemovalScript,
  renderUnitsScript,
} from "../ops/host-install";
import { parseCellFile } from "../ops/cell-file";
import { HostCommand, type HostConnection } from "./host-command";

export interface MonitorsArgs {
  host: HostConnection;
  cell: string;
  workersSubnet: string;
  workers: Array<{ slug: string; slot: number; state: "active" | "suspended" }>;
  /** The cell-tools image, already present on the host. */
  toolsImage: string;
  schedules?: CellToolsUnitsArgs["schedules"];
  /** Where alerts go; without it alerts are only written to the journal. */
  alertWebhook?: pulumi.Input<string>;
  modelGatewayMasterKey: pulumi.Input<string>;
}

const digest = (text: string) => createHash("sha256").update(text).digest("hex");

export class Monitors extends pulumi.ComponentResource {
  readonly units: string[];

  constructor(name: string, args: MonitorsArgs, opts: pulumi.ComponentResourceOptions = {}) {
    const cellFile = JSON.stringify(
      { cell: args.cell, workersSubnet: args.workersSubnet, workers: args.workers },
      null,
      2,
    );
    // The tools will read this file; refuse now what they would refuse later.
    parseCellFile(cellFile, "the Monitors arguments");
    const units = renderCellToolUnits({ image: args.toolsImage, schedules: args.schedules });
    super("instantworker:ops:Monitors", name, {}, opts);

    const cellScript = renderCellFileScript(cellFile);
    new HostCommand(
      `${name}-cell-file`,
      { host: args.host, create: cellScript, update: cellScript, triggers: [digest(cellFile)] },
      { parent: this },
    );

    const install = renderUnitsScript(units);
    const secrets = pulumi
      .all([args.alertWebhook ?? "", args.modelGatewayMasterKey])
      .apply(([webhook, masterKey]) =>
        renderEnvFile({
          ...(webhook ? { IW_ALERT_WEBHOOK: webhook } : {}),
          IW_MODEL_GATEWAY_MASTER_KEY: masterKey,
        }),
      );
    new HostCommand(
      `${name}-units`,
      {
        host: args.host,
        create: install,
        update: install,
        delete: renderUnitsRemovalScript(units),
        stdin: pulumi.secret(secrets),
        triggers: [digest(install)],
      },
      { parent: this },
    );

    this.units = units.map((u) => u.name);
    this.registerOutputs({ units: this.units });
  }
}
