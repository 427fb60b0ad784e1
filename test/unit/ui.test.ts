/** Pure text helpers of the terminal output: `table` and `ago`. */
import { describe, expect, test } from "bun:test";
import { ago, table } from "../../src/cli/ui.ts";

describe("table", () => {
  const cases: [string, string[][], string][] = [
    ["no rows", [], ""],
    ["one cell", [["a"]], "  a"],
    [
      "pads every column but the last to its widest cell",
      [
        ["NAME", "STATUS", "CREATED"],
        ["ws1", "ready", "2m ago"],
        ["feature-x", "failed", "just now"],
      ],
      ["  NAME       STATUS  CREATED", "  ws1        ready   2m ago", "  feature-x  failed  just now"].join("\n"),
    ],
    ["the last column is never padded", [["a", "long"], ["bb", "x"]], "  a   long\n  bb  x"],
    ["empty cells (no trailing spaces)", [["", "x"], ["abc", ""]], "       x\n  abc"],
    [
      "a short row ends at its own last cell",
      [["abc", "de", "f"], ["x"], ["y", "z"]],
      "  abc  de  f\n  x\n  y    z",
    ],
  ];
  for (const [label, rows, expected] of cases) {
    test(label, () => {
      expect(table(rows)).toBe(expected);
    });
  }

  test("a custom indent", () => {
    expect(table([["a", "b"], ["cc", "d"]], "")).toBe("a   b\ncc  d");
    expect(table([["a", "b"]], "> ")).toBe("> a  b");
  });

  test("colour codes do not count towards the width", () => {
    const red = (s: string) => `\u001b[31m${s}\u001b[39m`;
    const rows = [
      [red("ok"), "x"],
      ["long", "y"],
    ];
    expect(table(rows)).toBe(`  ${red("ok")}    x\n  long  y`);
  });

  test("columns line up after stripping colours", () => {
    const bold = (s: string) => `\u001b[1m${s}\u001b[22m`;
    const text = table([
      [bold("NAME"), bold("STATUS"), "LAST"],
      ["ws-with-long-name", "ready", "1h ago"],
    ]);
    // stripping ANSI colour codes.
    const plain = text.replace(/\u001b\[[0-9;]*m/g, "").split("\n");
    expect(plain[0]!.indexOf("STATUS")).toBe(plain[1]!.indexOf("ready"));
    expect(plain[0]!.indexOf("LAST")).toBe(plain[1]!.indexOf("1h ago"));
  });
});

describe("ago", () => {
  const now = 1_700_000_000_000;
  const s = 1000;
  const cases: [number, string][] = [
    [0, "just now"],
    [9 * s, "just now"],
    [9_499, "just now"],
    [9_500, "10s ago"],
    [10 * s, "10s ago"],
    [59 * s, "59s ago"],
    [60 * s, "1m ago"],
    [3 * 60 * s + 59 * s, "3m ago"],
    [59 * 60 * s, "59m ago"],
    [3600 * s, "1h ago"],
    [2 * 3600 * s + 59 * 60 * s, "2h ago"],
    [23 * 3600 * s, "23h ago"],
    [86_400 * s, "1d ago"],
    [10 * 86_400 * s, "10d ago"],
    [400 * 86_400 * s, "400d ago"],
    [-60 * s, "just now"], // a timestamp in the future
  ];
  test.each(cases)("%d ms before now → %s", (elapsed, expected) => {
    expect(ago(now - elapsed, now)).toBe(expected);
  });

  test("defaults now to the current time", () => {
    expect(ago(Date.now())).toBe("just now");
    expect(ago(Date.now() - 5 * 60_000)).toBe("5m ago");
  });
});
