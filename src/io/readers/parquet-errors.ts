/** parquet-wasm throws strings or Errors; one line of text either way. */
export function messageOf(err: unknown): string {
  const s = err instanceof Error ? err.message : String(err);
  return s.replace(/\s+/g, ' ').trim();
}
