/** Which filesystem a path is on, from /proc/self/mountinfo entries (the local provider skips reflink probes on ext4, tmpfs, …). */
import { expect, test } from "bun:test";
import { filesystemOf } from "../../src/providers/local/overlay.ts";

const mounts = [
  { point: "/", type: "ext4" },
  { point: "/tmp", type: "tmpfs" },
  { point: "/srv/data", type: "btrfs" },
  { point: "/srv/data/cache", type: "xfs" },
  { point: "/srv/data", type: "overlay" }, // mounted over the btrfs one later: the one seen now
];

test.each([
  ["/", "ext4"],
  ["/home/me/project", "ext4"],
  ["/tmp", "tmpfs"],
  ["/tmp/x/y", "tmpfs"],
  ["/tmpfoo/x", "ext4"], // a prefix of a name is not a parent
  ["/srv/data/ws", "overlay"],
  ["/srv/data/cache/ws", "xfs"],
] as const)("%s is on %s", (path, type) => {
  expect(filesystemOf(path, mounts)).toBe(type);
});

test("no mount table: unknown", () => {
  expect(filesystemOf("/x", [])).toBeUndefined();
});
