import { ActionIcon, Button, Group, Switch, Text, TextInput, Tooltip } from '@mantine/core';
import { formatOffsetNs } from '../../lib/trace-ticks.ts';
import { isWholeTrace, type TimeWindow } from '../../lib/trace-time-window.ts';

interface Props {
  readonly query: string;
  readonly onQuery: (query: string) => void;
  readonly matchCount: number;
  /** Position of the current match among the matches. */
  readonly matchCursor: number;
  readonly onStep: (delta: 1 | -1) => void;
  readonly showCritical: boolean;
  readonly onShowCritical: (show: boolean) => void;
  readonly onCollapseAll: () => void;
  readonly onExpandAll: () => void;
  readonly timeWindow: TimeWindow;
  readonly durationNs: number;
  readonly onResetZoom: () => void;
}

/** Find in trace (Enter / Shift+Enter step through matches), the critical path switch, tree and zoom controls. */
export function TraceToolbar(props: Props) {
  const { query, matchCount, matchCursor, timeWindow, durationNs } = props;
  const zoomed = !isWholeTrace(timeWindow, durationNs);
  return (
    <Group gap="sm" wrap="wrap">
      <Group gap={4} wrap="nowrap">
        <TextInput
          size="xs"
          w={300}
          placeholder="Find in trace: name, service, attribute…"
          aria-label="Find in trace"
          data-testid="trace-search"
          value={query}
          onChange={(e) => props.onQuery(e.currentTarget.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter') {
              e.preventDefault();
              props.onStep(e.shiftKey ? -1 : 1);
            } else if (e.key === 'Escape') props.onQuery('');
          }}
          rightSectionWidth={query ? 76 : 0}
          rightSection={
            query ? (
              <Text size="xs" c={matchCount ? 'dimmed' : 'red'} data-testid="trace-search-count">
                {matchCount ? `${matchCursor + 1} of ${matchCount}` : 'no match'}
              </Text>
            ) : null
          }
        />
        <Tooltip label="Previous match (Shift+Enter)" openDelay={400}>
          <ActionIcon
            variant="default"
            aria-label="Previous match"
            disabled={matchCount === 0}
            onClick={() => props.onStep(-1)}
          >
            ↑
          </ActionIcon>
        </Tooltip>
        <Tooltip label="Next match (Enter)" openDelay={400}>
          <ActionIcon
            variant="default"
            aria-label="Next match"
            data-testid="trace-search-next"
            disabled={matchCount === 0}
            onClick={() => props.onStep(1)}
          >
            ↓
          </ActionIcon>
        </Tooltip>
      </Group>
      <Tooltip
        label="Dark stripes mark the time the trace's end-to-end latency waited on"
        openDelay={400}
        multiline
        w={260}
      >
        <Switch
          size="xs"
          label="Critical path"
          data-testid="critical-path-toggle"
          checked={props.showCritical}
          onChange={(e) => props.onShowCritical(e.currentTarget.checked)}
        />
      </Tooltip>
      <Button.Group>
        <Button size="xs" variant="default" onClick={props.onExpandAll}>
          Expand all
        </Button>
        <Button size="xs" variant="default" onClick={props.onCollapseAll} data-testid="collapse-all">
          Collapse all
        </Button>
      </Button.Group>
      {zoomed && (
        <Group gap={6}>
          <Text size="xs" c="dimmed" className="mono">
            {formatOffsetNs(
              timeWindow.startNs,
              (timeWindow.endNs - timeWindow.startNs) / 100,
              timeWindow.endNs,
            )}{' '}
            –{' '}
            {formatOffsetNs(
              timeWindow.endNs,
              (timeWindow.endNs - timeWindow.startNs) / 100,
              timeWindow.endNs,
            )}
          </Text>
          <Button size="xs" variant="light" onClick={props.onResetZoom} data-testid="zoom-reset">
            Reset zoom
          </Button>
        </Group>
      )}
    </Group>
  );
}
