import { Button, MultiSelect, Popover, Stack, Text } from '@mantine/core';
import type { Signal } from '../../api/api-types.ts';
import { DEFAULT_COLUMNS } from '../../lib/row-values.ts';

interface Props {
  readonly signal: Signal;
  readonly columns: readonly string[];
  readonly options: readonly string[];
  readonly onChange: (columns: string[] | undefined) => void;
}

/** Which columns the results show: table columns or any attribute key; kept in the URL. */
export function ColumnPicker({ signal, columns, options, onChange }: Props) {
  return (
    <Popover position="bottom-end" shadow="md" width={360}>
      <Popover.Target>
        <Button variant="default" size="xs" data-testid="column-picker">
          Columns ({columns.length})
        </Button>
      </Popover.Target>
      <Popover.Dropdown>
        <Stack gap="xs">
          <MultiSelect
            label="Columns"
            searchable
            data-testid="column-select"
            value={[...columns]}
            data={[...new Set([...columns, ...options])]}
            onChange={(v) => onChange(v.length ? v : undefined)}
            comboboxProps={{ withinPortal: false }}
          />
          <Text size="xs" c="dimmed">
            Any attribute key works, e.g. http.route or ResourceAttributes.host.name.
          </Text>
          <Button size="xs" variant="subtle" onClick={() => onChange(undefined)}>
            Reset to {DEFAULT_COLUMNS[signal].join(', ')}
          </Button>
        </Stack>
      </Popover.Dropdown>
    </Popover>
  );
}
