/**
 * The real services provider tests run against (`npm test` starts them; see
 * scripts/test.sh). A missing service fails the suite, unless RIGKIT_TEST_SKIP_SERVICES=1
 * says to skip its tests (then one loud line says so).
 */
import { existsSync, readFileSync } from "node:fs";

export interface Services {
  dockerHost: string;
  dockerImage: string;
  sshConfig: string;
  sshHosts: string[];
  sshRoots: string[];
  /** The LXD test cluster (scripts/test-services-lxd.sh): member dirs c1..c3, c1's socket, HTTPS remote and client certificate. */
  lxd: { dirs: string[]; socket: string; remote: string; clientCert: string; clientKey: string; serverCert: string; image: string; poolDriver: string };
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

/** Whether tests may skip what is missing: only when asked to, never silently. */
export const skipMissing = process.env.RIGKIT_TEST_SKIP_SERVICES === "1";

/** A tool the tests need: true, or (with RIGKIT_TEST_SKIP_SERVICES=1) false and a loud line; otherwise a failure. */
export function requireTool(name: string, what: string): boolean {
  if (Bun.which(name) !== null) return true;
  const message = `${name} is not installed (apt-get install ${name}; \`npm test\` does that as root)`;
  if (!skipMissing) throw new Error(`${message}; RIGKIT_TEST_SKIP_SERVICES=1 skips ${what}`);
  console.warn(`\n!!! ${message}: ${what} are SKIPPED (RIGKIT_TEST_SKIP_SERVICES=1)\n`);
  return false;
}

/** The services, or null (and a loud line) when they are not running and RIGKIT_TEST_SKIP_SERVICES=1. */
export function services(what: "docker" | "ssh" | "lxd"): Services | null {
  const env = read();
  const probe =
    what === "lxd"
      ? env.RIGKIT_TEST_LXD_DIRS &&
        env.RIGKIT_TEST_LXD_DIRS.split(",").every(
          (dir) => Bun.spawnSync(["lxc", "query", "/1.0"], { env: { ...process.env, LXD_DIR: dir }, stdout: "ignore", stderr: "ignore" }).exitCode === 0,
        )
      : what === "docker"
      ? env.RIGKIT_TEST_DOCKER_HOST &&
        Bun.spawnSync(["docker", "version"], { env: { ...process.env, DOCKER_HOST: env.RIGKIT_TEST_DOCKER_HOST }, stdout: "ignore", stderr: "ignore" }).exitCode === 0
      : env.RIGKIT_TEST_SSH_CONFIG &&
        Bun.spawnSync(["ssh", "-F", env.RIGKIT_TEST_SSH_CONFIG, "-o", "BatchMode=yes", "-o", "ConnectTimeout=3", "rig-a", "true"], { stdout: "ignore", stderr: "ignore" })
          .exitCode === 0;
  if (!probe) {
    const message = `${what} test service is not running: \`npm test\` starts it (or scripts/test-services.sh start, as root)`;
    if (!skipMissing) throw new Error(`${message}; RIGKIT_TEST_SKIP_SERVICES=1 skips its tests`);
    console.warn(`\n!!! ${message}; its tests are SKIPPED (RIGKIT_TEST_SKIP_SERVICES=1)\n`);
    return null;
  }
  return {
    dockerHost: env.RIGKIT_TEST_DOCKER_HOST ?? "",
    dockerImage: env.RIGKIT_TEST_DOCKER_IMAGE ?? "",
    sshConfig: env.RIGKIT_TEST_SSH_CONFIG ?? "",
    sshHosts: (env.RIGKIT_TEST_SSH_HOSTS ?? "").split(","),
    sshRoots: (env.RIGKIT_TEST_SSH_ROOTS ?? "").split(","),
    lxd: {
      dirs: (env.RIGKIT_TEST_LXD_DIRS ?? "").split(","),
      socket: env.RIGKIT_TEST_LXD_SOCKET ?? "",
      remote: env.RIGKIT_TEST_LXD_REMOTE ?? "",
      clientCert: env.RIGKIT_TEST_LXD_CLIENT_CERT ?? "",
      clientKey: env.RIGKIT_TEST_LXD_CLIENT_KEY ?? "",
      serverCert: env.RIGKIT_TEST_LXD_SERVER_CERT ?? "",
      image: env.RIGKIT_TEST_LXD_IMAGE ?? "",
      poolDriver: env.RIGKIT_TEST_LXD_POOL_DRIVER ?? "",
    },
  };
}
