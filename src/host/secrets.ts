/**
 * Secret values resolved in this process. They are replaced by a mask in every log line
 * and error message rig writes, so a task that prints one does not leak it.
 */
const secrets = new Set<string>();
export const SECRET_MASK = "[secret]";

export function registerSecret(value: string): void {
  // Very short values would mask ordinary text everywhere; they are not secrets worth the name.
  if (value.length >= 4) secrets.add(value);
}

export function redact(text: string): string {
  if (secrets.size === 0) return text;
  let out = text;
  for (const secret of secrets) if (out.includes(secret)) out = out.replaceAll(secret, SECRET_MASK);
  return out;
}

/**
 * Refuses JSON that would carry a secret's value into the state file (a task's context or
 * metadata, a workspace context, an operation result): masking it would silently corrupt
 * the value, so the task, hook or operation fails with a clear message instead.
 */
export function refuseSecrets(value: unknown, what: string): void {
  if (secrets.size === 0) return;
  const text = JSON.stringify(value) ?? "";
  for (const secret of secrets) {
    if (text.includes(secret) || text.includes(JSON.stringify(secret).slice(1, -1))) {
      throw new Error(`${what} contains the value of a secret (env.secret): keep secrets out of it; pass the provider instead`);
    }
  }
}
