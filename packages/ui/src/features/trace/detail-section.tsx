import { useState, type ReactNode } from 'react';
import { Badge, Group, Stack, UnstyledButton } from '@mantine/core';

/** A titled part of the span panel that the reader can fold away. */
export function DetailSection(props: {
  title: string;
  count?: number;
  testId?: string;
  /** A badge next to the title, such as "truncated". */
  extra?: ReactNode;
  children: ReactNode;
}) {
  const [open, setOpen] = useState(true);
  return (
    <Stack gap={6} data-testid={props.testId} data-section={props.title}>
      <Group gap={6}>
        <UnstyledButton onClick={() => setOpen(!open)} aria-expanded={open} fz="sm" fw={600}>
          <span style={{ display: 'inline-block', width: 14, fontSize: 10, opacity: 0.6 }}>
            {open ? '▼' : '▶'}
          </span>
          {props.title}
        </UnstyledButton>
        {props.count !== undefined && (
          <Badge size="xs" variant="light" color="gray">
            {props.count}
          </Badge>
        )}
        {props.extra}
      </Group>
      {open && props.children}
    </Stack>
  );
}
