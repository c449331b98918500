import type { Row } from '../api/api-types.ts';

export interface SqlColumn {
  readonly name: string;
  readonly type: string;
}

const NUMERIC = /^(Nullable\()?(U?Int\d+|Float\d+|Decimal)/;
const TIME = /^(Nullable\()?(DateTime|Date)/;

export const isNumericType = (type: string) => NUMERIC.test(type);
export const isTimeType = (type: string) => TIME.test(type);

export interface SqlChartData {
  readonly x: number[];
  /** Category labels when x is not time (x is then 0..n-1). */
  readonly labels: string[] | undefined;
  readonly series: Array<{ name: string; values: Array<number | null> }>;
}

/**
 * A result as a chart: the first time column (else the first non-numeric column) is x,
 * every numeric column a series. Undefined when there is nothing numeric to draw.
 */
export function sqlChartData(rows: readonly Row[], columns: readonly SqlColumn[]): SqlChartData | undefined {
  const numeric = columns.filter((c) => isNumericType(c.type));
  const timeColumn = columns.find((c) => isTimeType(c.type));
  const xColumn = timeColumn ?? columns.find((c) => !isNumericType(c.type));
  const ys = numeric.filter((c) => c !== xColumn);
  if (ys.length === 0 || rows.length === 0) return undefined;
  let order = rows.map((_, i) => i);
  let x: number[];
  let labels: string[] | undefined;
  if (timeColumn) {
    const t = rows.map((r) => Date.parse(toIso(String(r[timeColumn.name]))) / 1000);
    order = order.sort((a, b) => t[a]! - t[b]!);
    x = order.map((i) => t[i]!);
    labels = undefined;
  } else {
    x = order.map((_, i) => i);
    labels = order.map((i) => (xColumn ? String(rows[i]![xColumn.name]) : String(i + 1)));
  }
  return {
    x,
    labels,
    series: ys.map((c) => ({
      name: c.name,
      values: order.map((i) => {
        const v = Number(rows[i]![c.name]);
        return Number.isFinite(v) ? v : null;
      }),
    })),
  };
}

/** ClickHouse's `2026-11-26 11:20:38.123` (UTC in JSON output) -> ISO. */
function toIso(value: string): string {
  if (/^\d{4}-\d\d-\d\d \d/.test(value)) return value.replace(' ', 'T') + (/[Z+]/.test(value) ? '' : 'Z');
  if (/^\d{4}-\d\d-\d\d$/.test(value)) return `${value}T00:00:00Z`;
  return value;
}
