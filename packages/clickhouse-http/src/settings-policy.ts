/**
 * Which settings a read-only request may change. ClickHouse's own readonly=1
 * forbids changing any setting; here the harmless ones (output shaping and
 * resource limits) stay allowed, because clients and dashboards send them.
 * Everything that could widen what a query may do (readonly itself, profiles,
 * `allow_*` feature switches, the SQL dialect, ...) is not in the list.
 */

/** URL parameters of ClickHouse's HTTP interface that are not settings. */
export const HTTP_PARAMETERS: ReadonlySet<string> = new Set([
  'query',
  'database',
  'default_format',
  'user',
  'password',
  'quota_key',
  'query_id',
  'session_id',
  'session_timeout',
  'session_check',
  'close_session',
  'compress',
  'decompress',
  'buffer_size',
  'wait_end_of_query',
  'stacktrace',
  'role',
  'client_protocol_version',
  'readonly',
  'profile',
  // Settings that only steer the HTTP transport; this server applies them itself.
  'enable_http_compression',
  'http_zlib_compression_level',
  'add_http_cors_header',
  'send_progress_in_http_headers',
  'http_headers_progress_interval_ms',
  'http_wait_end_of_query',
  'http_response_buffer_size',
  'cancel_http_readonly_queries_on_client_close',
]);

const SAFE_PREFIXES = [
  'output_format_',
  'format_',
  'input_format_',
  'date_time_',
  'max_',
  'optimize_',
  'query_plan_',
  'join_',
  'describe_',
];

const SAFE_SUFFIXES = ['_overflow_mode'];

const SAFE_NAMES: ReadonlySet<string> = new Set([
  'extremes',
  'totals_mode',
  'totals_auto_threshold',
  'session_timezone',
  'use_client_time_zone',
  'log_comment',
  'limit',
  'offset',
  'aggregate_functions_null_for_empty',
  'count_distinct_implementation',
  'cast_keep_nullable',
  'transform_null_in',
  'prefer_column_name_to_alias',
  'joined_subquery_requires_alias',
  'any_join_distinct_right_table_keys',
  'union_default_mode',
  'except_default_mode',
  'intersect_default_mode',
  'data_type_default_nullable',
  'final',
  'force_index_by_date',
  'force_primary_key',
  'use_skip_indexes',
  'use_uncompressed_cache',
  'group_by_two_level_threshold',
  'group_by_two_level_threshold_bytes',
  'distributed_aggregation_memory_efficient',
  'timeout_before_checking_execution_speed',
  'min_execution_speed',
  'min_execution_speed_bytes',
  'priority',
]);

/** Refused in read-only requests whatever the list says (`profile` is not in system.settings). */
export const FORBIDDEN_SETTINGS: ReadonlySet<string> = new Set(['readonly', 'profile']);

/**
 * Settings refused even in the groups above: those that name files, URLs or
 * hosts (`format_template_resultset` and `format_schema` read a file and show
 * it in the error, `output_format_schema` writes one,
 * `format_avro_schema_registry_url` calls a server), server-wide limits, and
 * parser/AST depth limits (raising them lets a nested formatQuery() overflow
 * the stack of the whole process).
 */
const UNSAFE_PATTERN =
  /schema|template_(?:resultset|row)$|path|file|url|registry|secret|directory|disk|host|endpoint|cert|password|proxy|_for_user|_for_all_users|_for_server|for_all_queries|depth|parser|_ast_|expanded_ast/;

export function isReadOnlySafeSetting(name: string): boolean {
  const n = name.toLowerCase();
  if (FORBIDDEN_SETTINGS.has(n) || UNSAFE_PATTERN.test(n)) return false;
  return (
    SAFE_NAMES.has(n) ||
    SAFE_PREFIXES.some((p) => n.startsWith(p)) ||
    SAFE_SUFFIXES.some((s) => n.endsWith(s))
  );
}
