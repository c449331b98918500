import { callApi } from './api-client.ts';

interface TraceSpan {
  Timestamp: string;
  SpanId: string;
  ParentSpanId: string;
  ServiceName: string;
  SpanName: string;
  Duration: number | string;
  StatusCode: string;
}

/** `spyglass trace <id>`: the trace as a text waterfall (tree order, offset and duration bars). */
export async function runTrace(
  api: string,
  traceId: string,
  json: boolean,
  out: (line: string) => void,
  width = 40,
): Promise<void> {
  const body = await callApi<{ spans: TraceSpan[]; logs: Array<Record<string, unknown>> }>(
    api,
    `/api/v1/traces/${encodeURIComponent(traceId)}`,
  );
  if (json) {
    out(JSON.stringify(body));
    return;
  }
  const spans = body.spans;
  const startNs = (s: TraceSpan) =>
    BigInt(Date.parse(s.Timestamp)) * 1_000_000n + BigInt(s.Timestamp.match(/\.\d{3}(\d{6})/)?.[1] ?? '0');
  const t0 = spans.reduce((m, s) => (startNs(s) < m ? startNs(s) : m), startNs(spans[0]!));
  const end = spans.reduce((m, s) => {
    const e = startNs(s) + BigInt(s.Duration);
    return e > m ? e : m;
  }, t0);
  const total = Number(end - t0) || 1;
  const ids = new Set(spans.map((s) => s.SpanId));
  const children = new Map<string, TraceSpan[]>();
  const roots: TraceSpan[] = [];
  for (const s of spans) {
    if (s.ParentSpanId && ids.has(s.ParentSpanId)) {
      const list = children.get(s.ParentSpanId) ?? [];
      list.push(s);
      children.set(s.ParentSpanId, list);
    } else roots.push(s);
  }
  out(
    `trace ${traceId}: ${spans.length} spans, ${(total / 1e6).toFixed(1)} ms, ${new Set(spans.map((s) => s.ServiceName)).size} services`,
  );
  const walk = (s: TraceSpan, depth: number) => {
    const offset = Number(startNs(s) - t0);
    const from = Math.floor((offset / total) * width);
    const len = Math.max(1, Math.round((Number(s.Duration) / total) * width));
    const bar =
      ' '.repeat(Math.min(from, width - 1)) +
      (s.StatusCode === 'Error' ? '!' : '█').repeat(Math.min(len, width - Math.min(from, width - 1)));
    const label = `${'  '.repeat(depth)}${s.ServiceName}: ${s.SpanName}`;
    out(
      `${label.padEnd(50).slice(0, 50)} ${bar.padEnd(width)} ${(Number(s.Duration) / 1e6).toFixed(1).padStart(8)}ms ${s.StatusCode === 'Error' ? 'ERROR' : ''}`.trimEnd(),
    );
    for (const c of (children.get(s.SpanId) ?? []).sort((a, b) => (startNs(a) < startNs(b) ? -1 : 1)))
      walk(c, depth + 1);
  };
  for (const r of roots.sort((a, b) => (startNs(a) < startNs(b) ? -1 : 1))) walk(r, 0);
  if (body.logs.length > 0) {
    out(`logs (${body.logs.length}):`);
    for (const l of body.logs)
      out(
        `  ${String(l['Timestamp'])} ${String(l['SeverityText'])} ${String(l['ServiceName'])}: ${String(l['Body'])}`,
      );
  }
}
