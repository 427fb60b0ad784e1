import type { Cli } from "../context.ts";
export default async function (_cli: Cli): Promise<void> {}
