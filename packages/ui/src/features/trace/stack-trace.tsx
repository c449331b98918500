import { Code } from '@mantine/core';
import classes from './trace-view.module.css';

/** A stack trace in a monospace block, lines kept whole (scrolls sideways). */
export function StackTrace({ text }: { text: string }) {
  return (
    <Code block className={classes.codeBlock} data-testid="stack-trace">
      {text}
    </Code>
  );
}
