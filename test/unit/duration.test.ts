/** `cacheTTL` durations and human-readable elapsed times. */
import { describe, expect, test } from "bun:test";
import { formatDuration, parseDuration } from "../../src/engine/duration.ts";

describe("parseDuration", () => {
  const valid: [number | string, number][] = [
    ["500ms", 500],
    ["0ms", 0],
    ["30s", 30_000],
    ["10m", 600_000],
    ["2h", 7_200_000],
    ["7d", 604_800_000],
    ["1.5s", 1500],
    ["0.5m", 30_000],
    ["1.0005s", 1001], // rounded to whole milliseconds
    [" 30s ", 30_000],
    ["30 s", 30_000],
    [0, 0],
    [1500, 1500],
    [0.5, 0.5],
  ];
  test.each(valid)("%j → %d ms", (input, expected) => {
    expect(parseDuration(input)).toBe(expected);
  });

  const invalid: (number | string)[] = [
    "",
    " ",
    "10",
    "s",
    "5 years",
    "1w",
    "10M",
    "10S",
    "-5s",
    "+5s",
    ".5s",
    "5.s",
    "1e3ms",
    "5s5",
    "5s 3m",
    "1h30m",
    -1,
    -0.5,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
  ];
  test.each(invalid)("%j is not a duration", (input) => {
    expect(parseDuration(input)).toBeNull();
  });
});

describe("formatDuration", () => {
  const cases: [number, string][] = [
    [0, "0ms"],
    [1, "1ms"],
    [850, "850ms"],
    [12.4, "12ms"],
    [1000, "1.0s"],
    [1234, "1.2s"],
    [1250.1, "1.3s"],
    [59_000, "59.0s"],
    [60_000, "1m 0s"],
    [184_000, "3m 4s"],
    [184_400, "3m 4s"],
    [184_600, "3m 5s"],
    [3_599_000, "59m 59s"],
    [3_599_500, "1h 0m"], // rounds up into the next unit
    [3_600_000, "1h 0m"],
    [7_500_000, "2h 5m"],
    [90_000_000, "25h 0m"],
  ];
  test.each(cases)("%d ms → %s", (ms, expected) => {
    expect(formatDuration(ms)).toBe(expected);
  });

  test("round-trips with parseDuration for whole units", () => {
    for (const [text, shown] of [["850ms", "850ms"], ["30s", "30.0s"], ["10m", "10m 0s"], ["2h", "2h 0m"]] as const) {
      expect(formatDuration(parseDuration(text) as number)).toBe(shown);
    }
  });
});
