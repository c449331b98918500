import { useRef, useState } from 'react';
import { Anchor, Badge, Text, UnstyledButton } from '@mantine/core';
import { useVirtualizer } from '@tanstack/react-virtual';
import { Link } from 'react-router';
import { colourFor } from '../../lib/palette.ts';
import { LEVEL_COLOURS, type TraceLog } from '../../lib/trace-logs.ts';
import { formatOffsetNs } from '../../lib/trace-ticks.ts';
import classes from './trace-view.module.css';

interface Props {
  readonly logs: readonly TraceLog[];
  /** The selected span's id: its logs are highlighted. */
  readonly selectedSpanId: string | undefined;
  readonly onSelectSpan: (spanId: string) => void;
  /** The search page with this trace's logs, for filtering beyond this list. */
  readonly searchHref: string;
}

const LOG_ROW_HEIGHT = 24;

/** The trace's logs under the waterfall, by time (virtualised too); clicking one opens its span. */
export function TraceLogs({ logs, selectedSpanId, onSelectSpan, searchHref }: Props) {
  const [open, setOpen] = useState(true);
  const scrollRef = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: open ? logs.length : 0,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => LOG_ROW_HEIGHT,
    overscan: 10,
  });
  const magnitude = logs.reduce((m, l) => Math.max(m, Math.abs(l.offsetNs)), 0);
  return (
    <section
      className={classes.logs}
      data-testid="trace-logs"
      style={open ? undefined : { maxHeight: 'none' }}
    >
      <div className={classes.logsHeader}>
        <UnstyledButton onClick={() => setOpen(!open)} aria-expanded={open} fz="sm" fw={600}>
          {open ? '▼' : '▶'} Logs
        </UnstyledButton>
        <Badge size="sm" variant="light" color="gray" data-testid="trace-logs-count">
          {logs.length.toLocaleString()}
        </Badge>
        {logs.length === 0 && (
          <Text size="xs" c="dimmed">
            No logs carry this trace's id.
          </Text>
        )}
        <Anchor component={Link} to={searchHref} size="xs" ml="auto">
          Search these logs
        </Anchor>
      </div>
      {open && logs.length > 0 && (
        <div className={classes.logsScroller} ref={scrollRef}>
          <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
            {virtualizer.getVirtualItems().map((item) => {
              const log = logs[item.index]!;
              const firstLine = log.body.split('\n', 1)[0] ?? '';
              return (
                <div
                  key={log.key}
                  className={classes.logRow}
                  style={{ top: item.start, height: LOG_ROW_HEIGHT }}
                  data-testid="trace-log-row"
                  data-span-id={log.spanId}
                  data-selected={(selectedSpanId !== undefined && log.spanId === selectedSpanId) || undefined}
                  title={log.body}
                  onClick={() => log.spanId && onSelectSpan(log.spanId)}
                >
                  <span className={classes.logTime}>{formatOffsetNs(log.offsetNs, 1e5, magnitude)}</span>
                  <span
                    className={classes.severity}
                    style={{ color: `var(--mantine-color-${LEVEL_COLOURS[log.level]}-text)` }}
                  >
                    {log.severity}
                  </span>
                  <span className={classes.logService}>
                    <span className={classes.dot} style={{ background: colourFor(log.service) }} />
                    {log.service}
                  </span>
                  <span className={classes.logBody}>{firstLine}</span>
                </div>
              );
            })}
          </div>
        </div>
      )}
    </section>
  );
}
