/** Replaces every occurrence of the given secrets in `text`, so an error message can be logged or thrown. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (s.length > 0) out = out.split(s).join('[redacted]');
  return out;
}
