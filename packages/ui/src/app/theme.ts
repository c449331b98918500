import { createTheme } from '@mantine/core';

/** One calm look for every view: Mantine's defaults, a blue primary, compact radii. */
export const theme = createTheme({
  primaryColor: 'blue',
  defaultRadius: 'sm',
  fontFamilyMonospace: 'ui-monospace, SFMono-Regular, Menlo, Consolas, monospace',
});
