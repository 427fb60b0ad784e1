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
