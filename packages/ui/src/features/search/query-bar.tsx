import { useMemo, useRef, useState } from 'react';
import { Combobox, Group, Text, TextInput, useCombobox } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { SCHEMAS } from '@spyglass/query';
import { apiGet } from '../../api/api-client.ts';
import type { FieldValuesResponse, FieldsResponse, Signal } from '../../api/api-types.ts';
import { explainQuery } from '../../lib/explain-query.ts';
import {
  applyCompletion,
  completionContext,
  rankSuggestions,
  type CompletionContext,
} from '../../lib/query-completion.ts';
import type { ResolvedRange } from '../../lib/time-range.ts';

interface Props {
  readonly value: string;
  readonly onChange: (value: string) => void;
  readonly onSubmit: (value: string) => void;
  readonly signal: Signal;
  readonly language: 'lucene' | 'sql';
  readonly range: ResolvedRange;
}

/**
 * The search bar: completes field names and their values at the cursor, and shows the
 * query's English reading (or its syntax error, at its position) underneath as you type.
 */
export function QueryBar({ value, onChange, onSubmit, signal, language, range }: Props) {
  const combobox = useCombobox();
  const input = useRef<HTMLInputElement>(null);
  const [ctx, setCtx] = useState<CompletionContext | undefined>();
  const [focused, setFocused] = useState(false);
  const explanation = useMemo(() => explainQuery(value, signal, language), [value, signal, language]);

  const fields = useQuery({
    queryKey: ['fields', signal],
    queryFn: ({ signal: abort }) =>
      apiGet<FieldsResponse>(
        '/api/v1/fields',
        { signal, from: range.fromMs, to: range.toMs, limit: 500 },
        abort,
      ),
    staleTime: 60_000,
    // Fetched once the user is in the bar (or the page asked for it), not on page load.
    enabled: language === 'lucene' && focused,
  });
  const valueField = ctx?.kind === 'value' ? ctx.field : undefined;
  const values = useQuery({
    queryKey: ['field-values', signal, valueField],
    queryFn: ({ signal: abort }) =>
      apiGet<FieldValuesResponse>(
        `/api/v1/fields/${encodeURIComponent(valueField!)}/values`,
        { signal, from: range.fromMs, to: range.toMs, limit: 50 },
        abort,
      ),
    staleTime: 30_000,
    enabled: valueField !== undefined && language === 'lucene',
  });

  const suggestions = useMemo(() => {
    if (!ctx || language !== 'lucene') return [];
    if (ctx.kind === 'field') {
      const schema = SCHEMAS[signal];
      const names = [
        ...schema.aliases.keys(),
        ...[...schema.columns.keys()].filter((c) => schema.columns.get(c) !== 'map'),
        ...(fields.data?.fields.map((f) => f.name) ?? []),
      ];
      return rankSuggestions([...new Set(names)], ctx.prefix);
    }
    return rankSuggestions(values.data?.values.map((v) => v.value) ?? [], ctx.prefix, 20);
  }, [ctx, language, signal, fields.data, values.data]);

  const updateContext = (text: string, cursor: number | null) => {
    const next = completionContext(text, cursor ?? text.length);
    setCtx(next);
    if (next && (next.kind === 'value' || next.prefix.length > 0)) combobox.openDropdown();
    else combobox.closeDropdown();
  };

  const choose = (choice: string) => {
    if (!ctx) return;
    const applied = applyCompletion(value, ctx, choice);
    combobox.resetSelectedOption();
    onChange(applied.text);
    requestAnimationFrame(() => {
      input.current?.setSelectionRange(applied.cursor, applied.cursor);
      updateContext(applied.text, applied.cursor);
    });
  };

  return (
    <div style={{ flex: 1, minWidth: 0 }}>
      <Combobox store={combobox} onOptionSubmit={choose} withinPortal={false}>
        <Combobox.Target>
          <TextInput
            ref={input}
            data-testid="query-input"
            aria-label="Search"
            placeholder={
              language === 'sql'
                ? "SQL condition, e.g. SpanAttributes['http.route'] = '/checkout' AND Duration > 1e8"
                : signal === 'traces'
                  ? 'e.g. service:payments status:Error duration:>100'
                  : 'e.g. level:error service:payments declined'
            }
            value={value}
            styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)' } }}
            error={!explanation.ok}
            onChange={(e) => {
              onChange(e.currentTarget.value);
              updateContext(e.currentTarget.value, e.currentTarget.selectionStart);
            }}
            onClick={(e) => updateContext(value, e.currentTarget.selectionStart)}
            onFocus={() => setFocused(true)}
            onBlur={() => combobox.closeDropdown()}
            onKeyDown={(e) => {
              if (e.key === 'Enter' && !(combobox.dropdownOpened && combobox.getSelectedOptionIndex() >= 0)) {
                e.preventDefault();
                combobox.closeDropdown();
                onSubmit(value);
              }
              if (e.key === 'Escape') combobox.closeDropdown();
            }}
          />
        </Combobox.Target>
        <Combobox.Dropdown hidden={suggestions.length === 0} data-testid="query-suggestions">
          <Combobox.Options mah={280} style={{ overflowY: 'auto' }}>
            {suggestions.map((s) => (
              <Combobox.Option value={s} key={s}>
                <Text size="sm" className="mono">
                  {s}
                </Text>
              </Combobox.Option>
            ))}
          </Combobox.Options>
        </Combobox.Dropdown>
      </Combobox>
      <QueryExplanation query={value} explanation={explanation} />
    </div>
  );
}

function QueryExplanation({
  query,
  explanation,
}: {
  query: string;
  explanation: ReturnType<typeof explainQuery>;
}) {
  if (explanation.ok) {
    return (
      <Text size="xs" c="dimmed" mt={4} data-testid="query-explanation" lineClamp={2}>
        Showing {explanation.text}
      </Text>
    );
  }
  const at = explanation.position;
  return (
    <Group gap={6} mt={4} wrap="nowrap" data-testid="query-error">
      <Text size="xs" c="red" style={{ whiteSpace: 'nowrap' }}>
        {explanation.message}
      </Text>
      <Text size="xs" className="mono" style={{ whiteSpace: 'pre', overflow: 'hidden' }}>
        {query.slice(Math.max(0, at - 30), at)}
        <span style={{ background: 'var(--mantine-color-red-light)', borderBottom: '2px solid red' }}>
          {query[at] ?? ' '}
        </span>
        {query.slice(at + 1, at + 30)}
      </Text>
    </Group>
  );
}
