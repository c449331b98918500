import type { ReactNode } from 'react';
import { Card, CloseButton, Group, ScrollArea, Stack } from '@mantine/core';

/** The side panel beside the map: a header with a close button and a scrolling body. */
export function MapPanel({
  header,
  onClose,
  height,
  children,
}: {
  header: ReactNode;
  onClose: () => void;
  height: number | string;
  children: ReactNode;
}) {
  return (
    <Card
      withBorder
      padding={0}
      w={420}
      h={height}
      style={{ display: 'flex', flexDirection: 'column', flexShrink: 0 }}
      data-testid="map-panel"
    >
      <Group
        justify="space-between"
        align="flex-start"
        wrap="nowrap"
        p="sm"
        style={{ borderBottom: '1px solid var(--mantine-color-default-border)' }}
      >
        {header}
        <CloseButton aria-label="Close the panel" onClick={onClose} />
      </Group>
      <ScrollArea style={{ flex: 1 }} type="auto">
        <Stack gap="md" p="sm">
          {children}
        </Stack>
      </ScrollArea>
    </Card>
  );
}
