// Dialogs: create a workspace, confirm a removal, and an operation's form generated from
// its input JSON schema (README "Dashboard"). One <dialog>, keyboard operable (Esc closes).
import { h } from "./dom.js";

const dialog = () => document.getElementById("dialog");

/**
 * Shows a form in the dialog; resolves with the values, or null when cancelled.
 * `submit(values)` may throw: its message is shown and the dialog stays open.
 */
function showForm(title, fields, submitLabel, submit) {
  return new Promise((resolve) => {
    const d = dialog();
    const error = h("p", { class: "error", role: "alert" });
    const form = h(
      "form",
      { method: "dialog" },
      h("h2", { id: "dialog-title" }, title),
      fields,
      error,
      h(
        "div",
        { class: "buttons" },
        h("button", { type: "button", value: "cancel", onclick: () => d.close("cancel") }, "Cancel"),
        h("button", { type: "submit", value: "ok", id: "dialog-submit" }, submitLabel),
      ),
    );
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const submitButton = form.querySelector("#dialog-submit");
      submitButton.disabled = true;
      error.textContent = "";
      try {
        const values = collect(form);
        const result = await submit(values);
        d.close("ok");
        resolve(result ?? values);
      } catch (e) {
        error.textContent = e.message;
        submitButton.disabled = false;
      }
    });
    d.replaceChildren(form);
    d.onclose = () => {
      if (d.returnValue !== "ok") resolve(null);
    };
    d.returnValue = "";
    d.showModal();
    (form.querySelector("input, select, textarea") ?? form.querySelector("#dialog-submit"))?.focus();
  });
}

/** Reads the form's fields by their `data-key`, typed by `data-type`. */
function collect(form) {
  const values = {};
  for (const el of form.querySelectorAll("[data-key]")) {
    const type = el.dataset.type;
    if (type === "boolean") values[el.dataset.key] = el.checked;
    else if (el.value === "") continue;
    else if (type === "number" || type === "integer") {
      const n = Number(el.value);
      if (!Number.isFinite(n) || (type === "integer" && !Number.isInteger(n))) throw new Error(`${el.dataset.key} must be a ${type === "integer" ? "whole number" : "number"}`);
      values[el.dataset.key] = n;
    } else if (type === "json") {
      try {
        values[el.dataset.key] = JSON.parse(el.value);
      } catch {
        throw new Error(`${el.dataset.key} must be JSON`);
      }
    } else values[el.dataset.key] = el.value;
  }
  return values;
}

function field(key, label, control, hint) {
  return h("label", {}, h("span", {}, label), control, hint ? h("span", { class: "hint" }, hint) : null);
}

/** Create (or fork with `from`) a workspace. */
export function createDialog(workflows, workspaces, submit) {
  const workflowSelect = h("select", { "data-key": "workflow", id: "create-workflow" }, workflows.map((w) => h("option", { value: w.name }, w.name)));
  const fromSelect = h(
    "select",
    { "data-key": "from", id: "create-from" },
    h("option", { value: "" }, "the workflow's result"),
    workspaces.filter((w) => w.status === "ready").map((w) => h("option", { value: w.name }, `${w.name} (${w.workflow})`)),
  );
  return showForm(
    "Create a workspace",
    [
      field("name", "Name", h("input", { "data-key": "name", id: "create-name", required: true, pattern: "[A-Za-z0-9._][A-Za-z0-9._\\-]{0,62}", autocomplete: "off" }), "letters, digits, . _ - (at most 63)"),
      workflows.length > 1 ? field("workflow", "Workflow", workflowSelect) : null,
      field("from", "From", fromSelect, "fork a live workspace instead of the workflow's result"),
      field("ttl", "Lease (ttl)", h("input", { "data-key": "ttl", id: "create-ttl", placeholder: "e.g. 2h", autocomplete: "off" }), "optional; the workspace expires after this"),
    ],
    "Create",
    submit,
  );
}

/** Asks before a removal; resolves true when confirmed. */
export async function confirmDialog(title, text, confirmLabel) {
  const result = await showForm(title, [h("p", {}, text)], confirmLabel, async () => true);
  return result === true;
}

/** The JSON schema of an operation's input, from the API (or built from its flag list). */
export function schemaOf(op) {
  const schema = op.inputSchema ?? op.input ?? op.schema;
  if (schema && typeof schema === "object") return schema;
  const properties = {};
  const required = [];
  for (const f of op.inputs ?? []) {
    const type = f.kind === "boolean" ? "boolean" : f.kind === "number" ? "number" : f.kind === "enum" ? "string" : f.kind === "string" ? "string" : "json";
    properties[f.key] = { type, ...(f.choices ? { enum: f.choices } : {}), ...(f.default !== undefined ? { default: f.default } : {}), ...(f.description ? { description: f.description } : {}) };
    if (f.required) required.push(f.key);
  }
  return { type: "object", properties, required };
}

/** One control per property of an object schema. */
export function schemaFields(schema, idPrefix) {
  const required = new Set(schema.required ?? []);
  return Object.entries(schema.properties ?? {}).map(([key, prop]) => {
    const id = `${idPrefix}-${key}`;
    const type = Array.isArray(prop.type) ? prop.type.find((t) => t !== "null") : prop.type;
    const common = { id, "data-key": key, required: required.has(key) && type !== "boolean" };
    let control;
    if (Array.isArray(prop.enum)) {
      control = h("select", { ...common, "data-type": typeof prop.enum[0] === "number" ? "number" : "string" }, required.has(key) ? null : h("option", { value: "" }, "—"), prop.enum.map((v) => h("option", { value: v, selected: prop.default === v }, String(v))));
    } else if (type === "boolean") {
      control = h("input", { ...common, type: "checkbox", "data-type": "boolean", checked: prop.default === true });
    } else if (type === "number" || type === "integer") {
      control = h("input", { ...common, type: "number", step: type === "integer" ? "1" : "any", "data-type": type, value: prop.default ?? "" });
    } else if (type === "string") {
      control = h("input", { ...common, type: "text", "data-type": "string", value: prop.default ?? "", autocomplete: "off" });
    } else {
      control = h("textarea", { ...common, rows: 3, "data-type": "json" }, prop.default !== undefined ? JSON.stringify(prop.default) : "");
    }
    return field(key, `${key}${required.has(key) ? " *" : ""}`, control, prop.description);
  });
}

/** An operation's form; resolves with the operation's result, or null when cancelled. */
export function operationDialog(op, target, submit) {
  const fields = schemaFields(schemaOf(op), `op-input`);
  return showForm(`${op.title ?? op.id} — ${target}`, fields.length ? fields : [h("p", { class: "muted" }, "No inputs.")], "Run", submit);
}
