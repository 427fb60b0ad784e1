import type { Cli } from "../../context.ts";
import { stopOrStart } from "./stop.ts";

export default (cli: Cli, names: string[], opts: { workflow?: string }) => stopOrStart(cli, "start", names, opts);
