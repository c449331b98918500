/**
 * Whether `source` holds `name` (lower-case ASCII) at `start`, letters
 * compared without case: without the slice and toLowerCase a comparison
 * of the lower-cased name would cost.
 */
export function sameNameAt(source: string, start: number, name: string): boolean {
  const length = name.length;
  if (start + length > source.length) return false;
  for (let i = 0; i < length; i++) {
    const c = source.charCodeAt(start + i);
    if ((c >= 65 && c <= 90 ? c + 32 : c) !== name.charCodeAt(i)) return false;
  }
  return true;
}
