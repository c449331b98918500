import type { ReactNode } from 'react';
import { ActionIcon, AppShell, Group, NavLink, Text, useMantineColorScheme } from '@mantine/core';
import { Link, useLocation } from 'react-router';

const NAV = [
  { to: '/search', label: 'Search' },
  { to: '/services', label: 'Services' },
  { to: '/service-map', label: 'Service map' },
  { to: '/sql', label: 'SQL' },
];

export function AppLayout({ children }: { children: ReactNode }) {
  const location = useLocation();
  const { colorScheme, setColorScheme } = useMantineColorScheme();
  return (
    <AppShell header={{ height: 48 }} navbar={{ width: 168, breakpoint: 0 }} padding="md">
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between">
          <Text fw={700} size="lg" c="blue">
            Spyglass
          </Text>
          <ActionIcon
            variant="subtle"
            aria-label="Toggle colour scheme"
            onClick={() => setColorScheme(colorScheme === 'dark' ? 'light' : 'dark')}
          >
            {colorScheme === 'dark' ? '☀' : '☾'}
          </ActionIcon>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs">
        {NAV.map((item) => (
          <NavLink
            key={item.to}
            component={Link}
            to={item.to}
            label={item.label}
            active={
              location.pathname.startsWith(item.to) &&
              !(item.to === '/services' && location.pathname.startsWith('/service-map'))
            }
          />
        ))}
      </AppShell.Navbar>
      <AppShell.Main>{children}</AppShell.Main>
    </AppShell>
  );
}
