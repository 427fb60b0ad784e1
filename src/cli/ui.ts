/**
 * Terminal output. stdout carries the result (text, or exactly one JSON document with
 * --json); stderr carries progress, logs and errors.
 */
import type pc from "picocolors";
import { isTTY, writeErr, writeOut } from "../host/io.ts";
import { terminal } from "../host/terminal.ts";

export type Colors = ReturnType<typeof pc.createColors>;

/**
 * Without colour, every formatter is `String` (what picocolors' `createColors(false)` gives)
 * and picocolors is not loaded: loading it reads `process.stdout.isTTY`, and setting up
 * `process.stdout` costs Bun ~10 ms (a plain `rig plan` of 1,000 tasks spent more on that
 * than on rendering).
 */
const plain = new Proxy({ isColorSupported: false } as Colors, { get: (target, key) => (key in target ? target[key as keyof Colors] : String) });

/** picocolors only when something is rendered in colour. */
function colorsFor(fd: 1 | 2): Colors {
  return fancy(fd) ? (require("picocolors") as typeof pc).createColors(true) : plain;
}

/** Colour and animation: only on a TTY, never with NO_COLOR or RIGKIT_RENDER=0. */
export function fancy(fd: 1 | 2): boolean {
  if ("NO_COLOR" in process.env && process.env.NO_COLOR !== "") return false;
  if (process.env.RIGKIT_RENDER === "0") return false;
  if (process.env.FORCE_COLOR && process.env.FORCE_COLOR !== "0") return true;
  return isTTY(fd);
}

let outColors: Colors | undefined;
let errColors: Colors | undefined;
let errFancy: boolean | undefined;

export const out = {
  get colors(): Colors {
    outColors ??= colorsFor(1);
    return outColors;
  },
  line(text = ""): void {
    writeOut(`${text}\n`);
  },
};

export const err = {
  get colors(): Colors {
    errColors ??= colorsFor(2);
    return errColors;
  },
  get fancy(): boolean {
    errFancy ??= fancy(2);
    return errFancy;
  },
  line(text = ""): void {
    writeErr(`${text}\n`);
  },
};

/** Writes a command's result: the JSON document with --json, the text rendering otherwise. */
export function emit(json: unknown, text: () => string | null): void {
  if (terminal.json) {
    writeOut(`${JSON.stringify(json)}\n`);
    return;
  }
  const rendered = text();
  if (rendered !== null && rendered !== "") out.line(rendered);
}

/** "3m ago", "2h ago", "just now". */
export function ago(timestamp: number, now = Date.now()): string {
  const s = Math.max(0, Math.round((now - timestamp) / 1000));
  if (s < 10) return "just now";
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.floor(s / 60)}m ago`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h ago`;
  return `${Math.floor(s / 86_400)}d ago`;
}

/** Pads the first columns of rows to a common width. */
export function table(rows: string[][], indent = "  "): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, visible(cell).length)));
  return rows
    .map((row) => (indent + row.map((cell, i) => (i === row.length - 1 ? cell : cell + " ".repeat((widths[i] ?? 0) - visible(cell).length))).join("  ")).trimEnd())
    .join("\n");
}

// stripping ANSI colour codes.
const visible = (text: string): string => text.replace(/\u001b\[[0-9;]*m/g, "");
