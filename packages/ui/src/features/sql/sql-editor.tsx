import { useEffect, useRef } from 'react';
import { EditorView, basicSetup } from 'codemirror';
import { keymap } from '@codemirror/view';
import { Compartment, Prec } from '@codemirror/state';
import { sql, SQLDialect } from '@codemirror/lang-sql';
import { useComputedColorScheme } from '@mantine/core';
import type { SchemaResponse } from '../../api/api-types.ts';

interface Props {
  readonly value: string;
  readonly onChange: (value: string) => void;
  /** Ctrl/Cmd+Enter. */
  readonly onRun: () => void;
  readonly schema: SchemaResponse | undefined;
}

/** The keywords, functions and types of ClickHouse SQL that the console colours and completes. */
const CLICKHOUSE = SQLDialect.define({
  keywords:
    'select from where group by order having limit offset join left right inner outer full cross on using as and or not in is null like ilike between case when then else end distinct union all with asc desc exists ' +
    'prewhere final sample array global any format settings interval totals true false',
  builtin:
    'count countIf sum sumIf avg avgIf min max uniq uniqExact quantile quantiles quantileTDigest toStartOfMinute toStartOfInterval toStartOfHour toStartOfDay toDateTime toDate now today mapKeys mapValues mapContains has hasToken arrayJoin groupArray topK formatReadableSize toString toUInt64 toFloat64 lower upper length if multiIf coalesce round',
  types:
    'string int8 int16 int32 int64 uint8 uint16 uint32 uint64 float32 float64 datetime datetime64 date lowcardinality nullable map array',
});

/**
 * The SQL editor (CodeMirror 6): ClickHouse keywords, and completion of the store's
 * tables and columns from /api/v1/schema. Ctrl/Cmd+Enter runs the query.
 */
export function SqlEditor({ value, onChange, onRun, schema }: Props) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | undefined>(undefined);
  const language = useRef(new Compartment());
  const look = useRef(new Compartment());
  const latest = useRef({ onChange, onRun });
  latest.current = { onChange, onRun };
  const dark = useComputedColorScheme('light') === 'dark';

  useEffect(() => {
    if (!host.current) return;
    const editor = new EditorView({
      parent: host.current,
      doc: value,
      extensions: [
        Prec.highest(
          keymap.of([
            {
              key: 'Mod-Enter',
              run: () => {
                latest.current.onRun();
                return true;
              },
            },
          ]),
        ),
        basicSetup,
        language.current.of(sqlLanguage(undefined)),
        look.current.of(editorTheme(dark)),
        EditorView.updateListener.of((u) => {
          if (u.docChanged) latest.current.onChange(u.state.doc.toString());
        }),
      ],
    });
    view.current = editor;
    return () => editor.destroy();
    // Created once; the schema and the colour scheme are swapped in below without losing focus or undo history.
  }, []);

  useEffect(() => {
    view.current?.dispatch({ effects: language.current.reconfigure(sqlLanguage(schema)) });
  }, [schema]);
  useEffect(() => {
    view.current?.dispatch({ effects: look.current.reconfigure(editorTheme(dark)) });
  }, [dark]);

  // Text set from outside (history, a shared link) replaces the document.
  useEffect(() => {
    const editor = view.current;
    if (editor && editor.state.doc.toString() !== value) {
      editor.dispatch({ changes: { from: 0, to: editor.state.doc.length, insert: value } });
    }
  }, [value]);

  return <div ref={host} data-testid="sql-editor" />;
}

function sqlLanguage(schema: SchemaResponse | undefined) {
  const tables = Object.fromEntries(
    (schema?.tables ?? []).map((t) => [
      t.name,
      t.columns.map((c) => ({ label: c.name, detail: c.type, type: 'property' })),
    ]),
  );
  // Columns of otel_traces complete without a table prefix: the table most queries start from.
  return sql({ dialect: CLICKHOUSE, schema: tables, defaultTable: 'otel_traces', upperCaseKeywords: true });
}

function editorTheme(dark: boolean) {
  return EditorView.theme(
    {
      '&': { fontSize: '13px', border: '1px solid var(--mantine-color-default-border)', borderRadius: '4px' },
      '.cm-content': { fontFamily: 'var(--mantine-font-family-monospace)', minHeight: '120px' },
      '.cm-gutters': { background: 'transparent', border: 'none' },
    },
    { dark },
  );
}
