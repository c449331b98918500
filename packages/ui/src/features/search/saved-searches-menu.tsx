import { useState } from 'react';
import { ActionIcon, Button, Group, Menu, Modal, Stack, Text, TextInput } from '@mantine/core';
import { ErrorState } from '../../components/state-views.tsx';
import { useSavedSearches, type SavedSearch } from './use-saved-searches.ts';

interface Props {
  /** The current search, to save. */
  readonly current: Omit<SavedSearch, 'name'>;
  readonly onOpen: (search: SavedSearch) => void;
}

/** Save the current search under a name (shared with everyone using this Spyglass); reopen or delete saved ones. */
export function SavedSearchesMenu({ current, onOpen }: Props) {
  const { list, save, remove } = useSavedSearches();
  const saved = list.data?.savedSearches ?? [];
  const [naming, setNaming] = useState(false);
  const [name, setName] = useState('');
  return (
    <>
      <Menu shadow="md" width={320} position="bottom-end">
        <Menu.Target>
          <Button variant="default" size="xs" data-testid="saved-searches">
            Saved ({saved.length})
          </Button>
        </Menu.Target>
        <Menu.Dropdown>
          <Menu.Item onClick={() => setNaming(true)} data-testid="save-search">
            Save this search…
          </Menu.Item>
          {saved.length > 0 && <Menu.Divider />}
          {saved.map((s) => (
            <Menu.Item
              key={s.name}
              onClick={() => onOpen(s)}
              data-testid="saved-search"
              rightSection={
                <ActionIcon
                  size="xs"
                  variant="subtle"
                  color="gray"
                  aria-label={`Delete ${s.name}`}
                  onClick={(e) => {
                    e.stopPropagation();
                    remove.mutate(s.name);
                  }}
                >
                  ✕
                </ActionIcon>
              }
            >
              <Text size="sm">{s.name}</Text>
              <Text size="xs" c="dimmed" className="mono" lineClamp={1}>
                {s.signal}: {s.query || 'everything'}
              </Text>
            </Menu.Item>
          ))}
        </Menu.Dropdown>
      </Menu>
      <Modal opened={naming} onClose={() => setNaming(false)} title="Save search">
        <form
          onSubmit={(e) => {
            e.preventDefault();
            if (!name.trim()) return;
            save.mutate(
              { ...current, name: name.trim() },
              {
                onSuccess: () => {
                  setNaming(false);
                  setName('');
                },
              },
            );
          }}
        >
          <Stack>
            <TextInput
              label="Name"
              description="Saved searches are shared with everyone who uses this Spyglass."
              data-autofocus
              data-testid="saved-search-name"
              value={name}
              onChange={(e) => setName(e.currentTarget.value)}
            />
            {save.error && <ErrorState error={save.error} title="Could not save" />}
            <Group justify="flex-end">
              <Button type="submit" disabled={!name.trim()} loading={save.isPending}>
                Save
              </Button>
            </Group>
          </Stack>
        </form>
      </Modal>
    </>
  );
}
