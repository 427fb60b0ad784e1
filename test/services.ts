/**
 * The real services provider tests run against (scripts/test-services.sh starts them).
 * In CI a missing service fails the suite; elsewhere its tests are skipped with one loud
 * line saying how to start it.
 */
import { existsSync, readFileSync } from "node:fs";

export interface Services {
  dockerHost: string;
  dockerImage: string;
  sshConfig: string;
  sshHosts: string[];
  sshRoots: string[];
}

function read(): Partial<Record<string, string>> {
  const file = process.env.RIGKIT_TEST_SERVICES ?? "/tmp/rigkit-test-services/env";
  if (!existsSync(file)) return {};
  return Object.fromEntries(
    readFileSync(file, "utf8")
      .split("\n")
      .filter((l) => l.includes("="))
      .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
  );
}

/** The services, or null (and a loud line) when they are not running outside CI. */
export function services(what: "docker" | "ssh"): Services | null {
  const env = read();
  const probe =
    what === "docker"
      ? env.RIGKIT_TEST_DOCKER_HOST &&
        Bun.spawnSync(["docker", "version"], { env: { ...process.env, DOCKER_HOST: env.RIGKIT_TEST_DOCKER_HOST }, stdout: "ignore", stderr: "ignore" }).exitCode === 0
      : env.RIGKIT_TEST_SSH_CONFIG &&
        Bun.spawnSync(["ssh", "-F", env.RIGKIT_TEST_SSH_CONFIG, "-o", "BatchMode=yes", "-o", "ConnectTimeout=3", "rig-a", "true"], { stdout: "ignore", stderr: "ignore" })
          .exitCode === 0;
  if (!probe) {
    const message = `${what} test service is not running: start it with scripts/test-services.sh start`;
    if (process.env.CI) throw new Error(message);
    console.warn(`\n!!! ${message}; its tests are SKIPPED\n`);
    return null;
  }
  return {
    dockerHost: env.RIGKIT_TEST_DOCKER_HOST ?? "",
    dockerImage: env.RIGKIT_TEST_DOCKER_IMAGE ?? "",
    sshConfig: env.RIGKIT_TEST_SSH_CONFIG ?? "",
    sshHosts: (env.RIGKIT_TEST_SSH_HOSTS ?? "").split(","),
    sshRoots: (env.RIGKIT_TEST_SSH_ROOTS ?? "").split(","),
  };
}
