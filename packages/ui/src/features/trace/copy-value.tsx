import { ActionIcon, CopyButton, Group, Text, Tooltip } from '@mantine/core';

/** A monospace value (an id) with a copy button. */
export function CopyValue({ value, label }: { value: string; label?: string }) {
  return (
    <Group gap={4} wrap="nowrap" style={{ minWidth: 0 }}>
      {label && (
        <Text size="xs" c="dimmed">
          {label}
        </Text>
      )}
      <Text size="xs" className="mono" truncate="end">
        {value}
      </Text>
      <CopyIcon value={value} label={label ?? value} />
    </Group>
  );
}

/** Just the copy button, for values shown elsewhere (a body, a statement). */
export function CopyIcon({ value, label }: { value: string; label: string }) {
  return (
    <CopyButton value={value} timeout={1200}>
      {({ copied, copy }) => (
        <Tooltip label={copied ? 'Copied' : `Copy ${label}`} withArrow>
          <ActionIcon
            size="xs"
            variant="subtle"
            color={copied ? 'teal' : 'gray'}
            aria-label={`Copy ${label}`}
            onClick={copy}
          >
            {copied ? '✓' : <CopyGlyph />}
          </ActionIcon>
        </Tooltip>
      )}
    </CopyButton>
  );
}

/** Two overlapping sheets, drawn in the current text colour. */
function CopyGlyph() {
  return (
    <svg
      width="12"
      height="12"
      viewBox="0 0 16 16"
      fill="none"
      stroke="currentColor"
      strokeWidth="1.5"
      aria-hidden
    >
      <rect x="5" y="5" width="9" height="9" rx="1.5" />
      <path d="M11 5V3.5A1.5 1.5 0 0 0 9.5 2h-6A1.5 1.5 0 0 0 2 3.5v6A1.5 1.5 0 0 0 3.5 11H5" />
    </svg>
  );
}
