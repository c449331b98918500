import type { ReactNode } from 'react';
import { Link } from 'react-router';
import { Anchor, Card, Group, Stack, Text, Tooltip, UnstyledButton } from '@mantine/core';

interface Props<T extends { name: string }> {
  readonly title: string;
  readonly items: readonly T[];
  /** The number the list ranks by, shown at the right. */
  readonly renderValue: (item: T) => ReactNode;
  /** The search view for an item's spans. */
  readonly searchHref: (item: T) => string;
  readonly onSelect: (item: T) => void;
  readonly selected?: string | undefined;
  readonly empty: string;
  readonly testId: string;
}

/** A short ranked list of operations (slowest, most failing); a click selects one for its example traces. */
export function OperationRankList<T extends { name: string }>(props: Props<T>) {
  return (
    <Card withBorder padding="sm" data-testid={props.testId}>
      <Text fw={600} size="sm" mb={6}>
        {props.title}
      </Text>
      {props.items.length === 0 ? (
        <Text size="sm" c="dimmed">
          {props.empty}
        </Text>
      ) : (
        <Stack gap={0}>
          {props.items.map((item) => (
            <Group
              key={item.name}
              gap="xs"
              wrap="nowrap"
              px={6}
              style={{ borderRadius: 'var(--mantine-radius-sm)' }}
              bg={item.name === props.selected ? 'var(--mantine-primary-color-light)' : 'transparent'}
              data-testid="rank-item"
              data-operation={item.name}
            >
              <UnstyledButton
                onClick={() => props.onSelect(item)}
                style={{ flex: 1, minWidth: 0 }}
                py={5}
                aria-label={`Show example traces of ${item.name}`}
              >
                <Group gap="xs" wrap="nowrap" justify="space-between">
                  <Text size="sm" truncate>
                    {item.name}
                  </Text>
                  <Text size="sm" className="mono" style={{ flexShrink: 0 }}>
                    {props.renderValue(item)}
                  </Text>
                </Group>
              </UnstyledButton>
              <Tooltip label="Search these spans" withArrow openDelay={300}>
                <Anchor
                  component={Link}
                  to={props.searchHref(item)}
                  size="xs"
                  aria-label="Search these spans"
                >
                  search
                </Anchor>
              </Tooltip>
            </Group>
          ))}
        </Stack>
      )}
    </Card>
  );
}
