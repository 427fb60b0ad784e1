/** Which Docker engines rig talks to over the socket (engine.ts) and which it leaves to the CLI. */
import { expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { engineSocket } from "../../src/providers/docker/engine.ts";

const home = (config?: object) => {
  const dir = mkdtempSync(join(tmpdir(), "rigkit-engine-"));
  if (config) {
    mkdirSync(join(dir, ".docker"));
    writeFileSync(join(dir, ".docker", "config.json"), JSON.stringify(config));
  }
  return dir;
};

test.each([
  ["the provider's unix host", "unix:///run/user/1000/docker.sock", {}, "/run/user/1000/docker.sock"],
  ["the provider's tcp host", "tcp://127.0.0.1:2375", { DOCKER_HOST: "unix:///x.sock" }, null],
  ["an ssh host", "ssh://me@box", {}, null],
  ["DOCKER_HOST unix", undefined, { DOCKER_HOST: "unix:///tmp/d.sock" }, "/tmp/d.sock"],
  ["DOCKER_HOST tcp", undefined, { DOCKER_HOST: "tcp://h:2376" }, null],
  ["a DOCKER_CONTEXT", undefined, { DOCKER_CONTEXT: "colima" }, null],
  ["the default context named", undefined, { DOCKER_CONTEXT: "default", HOME: home() }, "/var/run/docker.sock"],
  ["no config file", undefined, { HOME: home() }, "/var/run/docker.sock"],
  ["a context chosen with docker context use", undefined, { HOME: home({ currentContext: "desktop-linux" }) }, null],
  ["the default context in the config", undefined, { HOME: home({ currentContext: "default" }) }, "/var/run/docker.sock"],
  ["an unreadable config", undefined, { DOCKER_CONFIG: join(home({}), ".docker", "config.json") }, null],
] as const)("%s", (_, host, env, socket) => {
  expect(engineSocket(host, env as Record<string, string>)).toBe(socket);
});
