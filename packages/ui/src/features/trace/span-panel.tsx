import { useMemo } from 'react';
import { CloseButton, Code, Group, Stack, Text, Title } from '@mantine/core';
import type { Row } from '../../api/api-types.ts';
import { criticalNs, type CriticalPath } from '../../lib/critical-path.ts';
import { groupAttributes, type Attribute } from '../../lib/trace-attributes.ts';
import { spanEvents, spanExceptions, spanLinks } from '../../lib/trace-events.ts';
import type { SearchRange } from '../../lib/trace-links.ts';
import type { TraceLog } from '../../lib/trace-logs.ts';
import { selfTimeNs, type TraceTree } from '../../lib/trace-tree.ts';
import { AttributeTable } from './attribute-table.tsx';
import { CopyIcon } from './copy-value.tsx';
import { DetailSection } from './detail-section.tsx';
import { HeaderTable } from './header-table.tsx';
import { PayloadView } from './payload-view.tsx';
import { SpanEvents, SpanExceptions } from './span-events.tsx';
import { SpanLinks } from './span-links.tsx';
import { SpanLogs } from './span-logs.tsx';
import { SpanOverview } from './span-overview.tsx';
import { StackTrace } from './stack-trace.tsx';
import classes from './trace-view.module.css';

interface Props {
  readonly traceId: string;
  readonly tree: TraceTree;
  readonly span: number;
  /** Undefined when the critical path is hidden. */
  readonly critical: CriticalPath | undefined;
  readonly logs: readonly TraceLog[];
  readonly searchRange: SearchRange;
  readonly onSelect: (span: number) => void;
  readonly onClose: () => void;
}

/**
 * Everything about one span, its attributes sorted by what they describe: exceptions first,
 * then the protocol (HTTP with headers and bodies, database, messaging, RPC), the code, the
 * events, links and logs, and the rest.
 */
export function SpanPanel({
  traceId,
  tree,
  span: index,
  critical,
  logs,
  searchRange,
  onSelect,
  onClose,
}: Props) {
  const span = tree.spans[index]!;
  const groups = useMemo(() => groupAttributes(mapOf(span.row['SpanAttributes'])), [span]);
  const events = useMemo(() => spanEvents(span.row), [span]);
  const exceptions = spanExceptions(events);
  const links = useMemo(() => spanLinks(span.row), [span]);
  const linkedFrom = useMemo(
    () => tree.spans.filter((s) => s !== span && linksTo(s.row, traceId, span.spanId)),
    [tree, span, traceId],
  );
  const spanLogs = useMemo(() => logs.filter((l) => l.spanId === span.spanId), [logs, span]);
  const resource = entriesOf(span.row['ResourceAttributes']);
  const codeSite = codeSiteOf(groups.code);
  const section = (title: string, attributes: Attribute[], testId: string) =>
    attributes.length > 0 && (
      <DetailSection title={title} testId={testId}>
        <AttributeTable attributes={attributes} searchRange={searchRange} />
      </DetailSection>
    );
  return (
    <aside
      className={classes.panel}
      data-testid="span-drawer"
      data-span-id={span.spanId}
      aria-label="Span details"
    >
      <Group
        justify="space-between"
        wrap="nowrap"
        align="flex-start"
        py="xs"
        style={{ position: 'sticky', top: 0, zIndex: 2, background: 'var(--mantine-color-body)' }}
      >
        <Title order={5} style={{ wordBreak: 'break-word' }} data-testid="span-drawer-title">
          {span.name}
        </Title>
        <CloseButton aria-label="Close span details" onClick={onClose} data-testid="span-drawer-close" />
      </Group>
      <Stack gap="lg">
        <SpanOverview
          span={span}
          parent={span.parent >= 0 ? tree.spans[span.parent] : undefined}
          traceDurationNs={tree.durationNs}
          selfNs={selfTimeNs(tree, index)}
          criticalNs={critical ? criticalNs(critical, index) : undefined}
          onSelect={onSelect}
        />
        <SpanExceptions exceptions={exceptions} />
        {section('HTTP', groups.http, 'span-http')}
        {(groups.requestHeaders.length > 0 || groups.responseHeaders.length > 0) && (
          <DetailSection title="Headers" testId="span-headers">
            <HeaderTable title="Request" headers={groups.requestHeaders} />
            <HeaderTable title="Response" headers={groups.responseHeaders} />
          </DetailSection>
        )}
        {groups.payloads.length > 0 && (
          <DetailSection title="Payloads" count={groups.payloads.length} testId="span-payloads">
            {groups.payloads.map((p) => (
              <PayloadView key={p.key} payload={p} />
            ))}
          </DetailSection>
        )}
        {(groups.database.length > 0 || groups.statement) && (
          <DetailSection title="Database" testId="span-database">
            {groups.statement && (
              <div>
                <Group justify="space-between" mb={2}>
                  <Text size="xs" c="dimmed" className="mono">
                    {groups.statement.key}
                  </Text>
                  <CopyIcon value={groups.statement.value} label="statement" />
                </Group>
                <Code block className={classes.wrapBlock} data-testid="db-statement">
                  {groups.statement.value}
                </Code>
              </div>
            )}
            <AttributeTable attributes={groups.database} searchRange={searchRange} />
          </DetailSection>
        )}
        {section('Messaging', groups.messaging, 'span-messaging')}
        {section('RPC', groups.rpc, 'span-rpc')}
        {(groups.code.length > 0 || groups.stacktrace) && (
          <DetailSection title="Code" testId="span-code">
            {codeSite && (
              <Text size="sm" className="mono" style={{ wordBreak: 'break-all' }}>
                {codeSite}
              </Text>
            )}
            <AttributeTable attributes={groups.code} searchRange={searchRange} />
            {groups.stacktrace && (
              <>
                <Text size="xs" c="dimmed">
                  Stack when the span ended (code.stacktrace)
                </Text>
                <StackTrace text={groups.stacktrace} />
              </>
            )}
          </DetailSection>
        )}
        <SpanEvents events={events.filter((e) => e.name !== 'exception')} />
        <SpanLinks traceId={traceId} links={links} linkedFrom={linkedFrom} onSelect={onSelect} />
        <SpanLogs logs={spanLogs} />
        {resource.length > 0 && (
          <DetailSection title="Resource" count={resource.length} testId="span-resource">
            <AttributeTable
              attributes={resource}
              fieldPrefix="ResourceAttributes."
              searchRange={searchRange}
            />
          </DetailSection>
        )}
        {section('Other attributes', groups.other, 'span-other')}
      </Stack>
    </aside>
  );
}

function mapOf(value: unknown): Record<string, unknown> {
  return value && typeof value === 'object' ? (value as Record<string, unknown>) : {};
}

function entriesOf(value: unknown): Attribute[] {
  return Object.entries(mapOf(value))
    .map(([key, v]) => ({ key, value: String(v) }))
    .sort((a, b) => a.key.localeCompare(b.key));
}

function linksTo(row: Row, traceId: string, spanId: string): boolean {
  const spans = row['Links.SpanId'];
  const traces = row['Links.TraceId'];
  if (!Array.isArray(spans) || !Array.isArray(traces)) return false;
  return spans.some((id, i) => id === spanId && traces[i] === traceId);
}

/** `charge at /app/payments/routes.js:23:11`, from the code.* attributes. */
function codeSiteOf(code: readonly Attribute[]): string | undefined {
  const get = (key: string) => code.find((a) => a.key === key)?.value;
  const file = get('code.file.path') ?? get('code.filepath');
  const fn = get('code.function.name') ?? get('code.function');
  if (!file && !fn) return undefined;
  const line = get('code.line.number') ?? get('code.lineno');
  const column = get('code.column.number');
  const where = file ? `${file}${line ? `:${line}` : ''}${line && column ? `:${column}` : ''}` : '';
  return [fn, where].filter(Boolean).join(' at ');
}
