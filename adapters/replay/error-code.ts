/** The errno code of a file-system error (`ENOENT`, `EACCES`...), or the error as text. */
export function errorCode(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? String(error);
}
