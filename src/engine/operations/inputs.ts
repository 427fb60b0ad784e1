/**
 * Operation inputs: the fields of a zod object become CLI flags. This module reads a
 * schema into plain field descriptions (also saved in the completion manifest) and
 * validates collected values against the schema.
 */
import { RigError } from "../../errors.ts";
import type { InputSchema } from "../../sdk/types.ts";
import { liteFields, liteParse } from "../../sdk/zod.ts";

export type FieldKind = "string" | "number" | "boolean" | "enum" | "json";

export interface InputField {
  key: string;
  /** `--kebab-case` flag name, without dashes. */
  flag: string;
  kind: FieldKind;
  required: boolean;
  choices?: string[];
  default?: unknown;
  description?: string;
}

interface ZodLike {
  def?: { type?: string; innerType?: ZodLike; defaultValue?: unknown; entries?: Record<string, string | number>; values?: unknown[] };
  description?: string;
}

export const kebab = (key: string): string => key.replace(/([a-z0-9])([A-Z])/g, "$1-$2").replace(/_/g, "-").toLowerCase();

/** Reads one field, looking through optional/default/nullable wrappers. */
function describeField(key: string, schema: ZodLike): InputField {
  let node: ZodLike | undefined = schema;
  let required = true;
  let fallback: unknown;
  let description = schema.description;
  while (node?.def && ["optional", "default", "nullable", "prefault"].includes(node.def.type ?? "")) {
    if (node.def.type === "optional" || node.def.type === "nullable") required = false;
    if (node.def.type === "default" || node.def.type === "prefault") {
      required = false;
      const value = node.def.defaultValue;
      fallback = typeof value === "function" ? (value as () => unknown)() : value;
    }
    node = node.def.innerType;
    description ??= node?.description;
  }
  const type = node?.def?.type;
  const field: InputField = { key, flag: kebab(key), kind: "json", required };
  if (type === "string" || type === "number" || type === "boolean") field.kind = type;
  else if (type === "enum") {
    field.kind = "enum";
    field.choices = Object.values(node?.def?.entries ?? {}).map(String);
  } else if (type === "literal" && node?.def?.values?.every((v) => typeof v === "string")) {
    field.kind = "enum";
    field.choices = node.def.values as string[];
  }
  if (fallback !== undefined) field.default = fallback;
  if (description) field.description = description;
  return field;
}

export function inputFields(schema: unknown): InputField[] {
  if (schema === undefined || schema === null) return [];
  // A recorded plain-flag schema is read without loading zod (see sdk/zod.ts).
  const shape = liteFields(schema) ?? (schema as InputSchema).shape;
  if (!shape || typeof shape !== "object") return [];
  return Object.entries(shape).map(([key, field]) => describeField(key, field as ZodLike));
}

/** Validates collected flag values; zod's messages, one per issue, name the flag. */
export function validateInput(schema: unknown, values: Record<string, unknown>, operation: string): unknown {
  if (schema === undefined || schema === null) return {};
  const lite = liteParse(schema, values);
  if (lite) return lite.data;
  const parsed = (schema as InputSchema).safeParse(values);
  if (parsed.success) return parsed.data;
  const issues = ((parsed.error as { issues?: { path: PropertyKey[]; message: string }[] }).issues ?? []).map(
    (issue) => `${issue.path.length ? `--${kebab(String(issue.path[0]))}: ` : ""}${issue.message}`,
  );
  throw new RigError("INVALID_INPUT", `Invalid input for ${operation}: ${issues[0] ?? "does not match its schema"}`, {
    detail: issues.slice(1),
  });
}
