/** Seals (src/engine/graph/seals.ts): a cached run is reused only while its artifacts hold what it made. */
import { describe, expect, test } from "bun:test";
import { chmodSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { apply } from "../../src/engine/graph/apply.ts";
import { plan } from "../../src/engine/graph/plan.ts";
import type { Project } from "../../src/engine/project/project.ts";
import { treeFingerprint } from "../../src/providers/local/tree.ts";
import { defineProvider, workflow } from "../../src/index.ts";
import { engineProject, reload, tempDir } from "../helpers.ts";

const wf = (p: Project) => p.workflows[0]!;
const planOf = async (p: Project) =>
  Object.fromEntries((await plan(wf(p), p.stores, p.registry)).nodes.map((n) => [n.path, n.status === "cached" ? "cached" : n.reason]));

/** A provider whose one artifact ("slot") holds a value tasks overwrite in place, like a directory at a fixed path. */
function slotProvider(fingerprints: boolean) {
  const slot = { value: "" };
  const provider = defineProvider<Record<string, never>, { write(v: string): { provider: string; kind: string; id: string } }>({
    id: "slot",
    fingerprint: `slot-${fingerprints}`,
    create: () => ({
      runtime: () => ({
        write(v) {
          slot.value = v;
          return { provider: "slot", kind: "cell", id: "the-slot" };
        },
      }),
      validateArtifact: () => true,
      ...(fingerprints ? { artifactState: () => `value=${slot.value}` } : {}),
    }),
  });
  return { slot, provider };
}

const config = (provider: ReturnType<typeof slotProvider>["provider"], version: string) =>
  workflow("w")
    .addProvider("slot", provider())
    .task("make", { version }, async ({ providers }) => ({ ctx: { cell: providers.slot.write(version) } }))
    .task("after", async ({ step }) => ({ ctx: { ...step.ctx, after: true } }));

describe("seals", () => {
  test("edit, apply, revert: the older run is not reused once a later run rewrote its artifact", async () => {
    const { slot, provider } = slotProvider(true);
    let p = engineProject([config(provider, "1")]);
    await apply(wf(p), p);
    p = reload(p, [config(provider, "2")]);
    await apply(wf(p), p);
    p = reload(p, [config(provider, "1")]);
    expect(await planOf(p)).toEqual({ make: "artifact-changed", after: "upstream-changed" });
    const result = await apply(wf(p), p);
    expect(result.ran).toEqual(["make", "after"]);
    expect(slot.value).toBe("1");
    expect(await planOf(p)).toEqual({ make: "cached", after: "cached" });
    // A downstream task that kept the ref sealed it last: it is built on `make`, which stays reusable.
    slot.value = "behind rig's back";
    expect(await planOf(p)).toEqual({ make: "artifact-changed", after: "upstream-changed" });
  });

  test("a provider without artifactState (content-addressed artifacts) is trusted as before", async () => {
    const { provider } = slotProvider(false);
    let p = engineProject([config(provider, "1")]);
    await apply(wf(p), p);
    p = reload(p, [config(provider, "2")]);
    await apply(wf(p), p);
    p = reload(p, [config(provider, "1")]);
    expect(await planOf(p)).toEqual({ make: "cached", after: "cached" });
  });
});

describe("treeFingerprint", () => {
  test("changes with a file's content, a new or removed file, a chmod; not with git's index, objects, refs or worktree registrations", () => {
    const dir = tempDir();
    mkdirSync(join(dir, "sub"));
    writeFileSync(join(dir, "sub", "a"), "one");
    mkdirSync(join(dir, ".git", "worktrees"), { recursive: true });
    const first = treeFingerprint(dir);
    expect(first).toStartWith("tree:");
    expect(treeFingerprint(dir)).toBe(first);
    writeFileSync(join(dir, ".git", "index"), "refreshed by git status");
    mkdirSync(join(dir, ".git", "worktrees", "ws1"));
    // A worktree workspace's commit and branch land in the base's object store and refs.
    mkdirSync(join(dir, ".git", "objects", "ab"), { recursive: true });
    writeFileSync(join(dir, ".git", "objects", "ab", "cdef"), "blob");
    mkdirSync(join(dir, ".git", "refs", "heads"), { recursive: true });
    writeFileSync(join(dir, ".git", "refs", "heads", "feature"), "abcdef");
    expect(treeFingerprint(dir)).toBe(first);
    writeFileSync(join(dir, ".git", "HEAD"), "ref: refs/heads/other");
    expect(treeFingerprint(dir)).not.toBe(first);
    rmSync(join(dir, ".git", "HEAD"));
    expect(treeFingerprint(dir)).toBe(first);
    writeFileSync(join(dir, "sub", "a"), "two");
    const edited = treeFingerprint(dir);
    expect(edited).not.toBe(first);
    writeFileSync(join(dir, "b"), "");
    const added = treeFingerprint(dir);
    expect(added).not.toBe(edited);
    chmodSync(join(dir, "b"), 0o600);
    expect(treeFingerprint(dir)).not.toBe(added);
    rmSync(join(dir, "b"));
    expect(treeFingerprint(dir)).not.toBe(added);
  });

  test("never follows a symlink; null for a missing directory", () => {
    const dir = tempDir();
    const outside = tempDir();
    writeFileSync(join(outside, "f"), "x");
    symlinkSync(outside, join(dir, "link"));
    const before = treeFingerprint(dir);
    writeFileSync(join(outside, "f"), "changed outside");
    expect(treeFingerprint(dir)).toBe(before);
    expect(treeFingerprint(join(dir, "missing"))).toBeNull();
  });
});
