/** A row value as text: strings as they are, missing values as '', numbers and the rest via String(). */
export function textOf(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === null || value === undefined) return '';
  return typeof value === 'object' ? JSON.stringify(value) : String(value as number | boolean | bigint);
}
