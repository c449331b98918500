import { useParams } from 'react-router';
import { TraceFailure, TraceSkeleton } from './trace-states.tsx';
import { TraceView } from './trace-view.tsx';
import { useTrace } from './use-trace.ts';

/** /trace/:traceId?span=<SpanId>: one trace's waterfall, its logs, and the selected span's details. */
export default function TracePage() {
  const { traceId = '' } = useParams();
  const { query, model } = useTrace(traceId);
  return (
    <div data-testid="trace-page">
      {model ? (
        <TraceView key={traceId} traceId={traceId} model={model} />
      ) : query.isError ? (
        <TraceFailure error={query.error} traceId={traceId} onRetry={() => void query.refetch()} />
      ) : (
        <TraceSkeleton />
      )}
    </div>
  );
}
