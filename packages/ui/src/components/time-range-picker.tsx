import { useState } from 'react';
import { Button, Group, Popover, SimpleGrid, Stack, Text, TextInput, UnstyledButton } from '@mantine/core';
import {
  RELATIVE_PRESETS,
  absoluteRange,
  describeRange,
  formatInstant,
  resolveBound,
  resolveRange,
  type UrlRange,
} from '../lib/time-range.ts';

interface Props {
  readonly range: UrlRange;
  readonly onChange: (range: UrlRange) => void;
  readonly onRefresh?: () => void;
}

/** Relative presets, an absolute from/to (any date the browser parses, or `now-2h`), and refresh. */
export function TimeRangePicker({ range, onChange, onRefresh }: Props) {
  const [opened, setOpened] = useState(false);
  const now = Date.now();
  const resolved = resolveRange(range, now);
  const [from, setFrom] = useState(formatInstant(resolved.fromMs));
  const [to, setTo] = useState(formatInstant(resolved.toMs));
  const fromMs = resolveBound(from.trim().replace(' ', 'T'), now) ?? resolveBound(from.trim(), now);
  const toMs = resolveBound(to.trim().replace(' ', 'T'), now) ?? resolveBound(to.trim(), now);
  const valid = fromMs !== undefined && toMs !== undefined && fromMs < toMs;
  return (
    <Group gap={4} wrap="nowrap">
      <Popover
        opened={opened}
        onChange={setOpened}
        position="bottom-end"
        shadow="md"
        onOpen={() => {
          setFrom(formatInstant(resolved.fromMs));
          setTo(formatInstant(resolved.toMs));
        }}
      >
        <Popover.Target>
          <Button variant="default" data-testid="time-range" onClick={() => setOpened((o) => !o)}>
            {describeRange(range, now)}
          </Button>
        </Popover.Target>
        <Popover.Dropdown>
          <SimpleGrid cols={2} spacing="md">
            <Stack gap={2}>
              <Text size="xs" c="dimmed" fw={600}>
                Relative
              </Text>
              {RELATIVE_PRESETS.map((p) => (
                <UnstyledButton
                  key={p.from}
                  className="clickable"
                  px={6}
                  py={2}
                  onClick={() => {
                    onChange({ from: p.from, to: 'now' });
                    setOpened(false);
                  }}
                >
                  <Text size="sm" fw={range.from === p.from && range.to === 'now' ? 700 : 400}>
                    {p.label}
                  </Text>
                </UnstyledButton>
              ))}
            </Stack>
            <Stack gap="xs" w={220}>
              <Text size="xs" c="dimmed" fw={600}>
                Absolute
              </Text>
              <TextInput
                size="xs"
                label="From"
                value={from}
                onChange={(e) => setFrom(e.currentTarget.value)}
              />
              <TextInput size="xs" label="To" value={to} onChange={(e) => setTo(e.currentTarget.value)} />
              <Button
                size="xs"
                disabled={!valid}
                onClick={() => {
                  if (fromMs !== undefined && toMs !== undefined) onChange(absoluteRange(fromMs, toMs));
                  setOpened(false);
                }}
              >
                Apply
              </Button>
            </Stack>
          </SimpleGrid>
        </Popover.Dropdown>
      </Popover>
      {onRefresh && (
        <Button variant="default" onClick={onRefresh} aria-label="Refresh">
          ↻
        </Button>
      )}
    </Group>
  );
}
