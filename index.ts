// One InstantWorker cell. Everything is read and validated inside `runCell` before anything is declared.
import { runCell } from "./lib/program";

export = async () => runCell();
