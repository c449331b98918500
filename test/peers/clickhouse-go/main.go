// A real ClickHouse client peer: clickhouse-go v2 over the HTTP protocol, as
// Grafana's ClickHouse data source uses it. It runs the queries a dashboard
// would against Spyglass's ClickHouse HTTP interface and prints the results
// as JSON lines for the Node.js test to check.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: clickhouse-go-peer host:port")
		os.Exit(2)
	}
	conn, err := clickhouse.Open(&clickhouse.Options{
		Addr:        []string{os.Args[1]},
		Protocol:    clickhouse.HTTP,
		DialTimeout: 5 * time.Second,
	})
	if err != nil {
		fail("open", err)
	}
	ctx := context.Background()
	if err := conn.Ping(ctx); err != nil {
		fail("ping", err)
	}
	out := json.NewEncoder(os.Stdout)

	var version string
	if err := conn.QueryRow(ctx, "SELECT version()").Scan(&version); err != nil {
		fail("version", err)
	}
	_ = out.Encode(map[string]any{"check": "version", "value": version})

	rows, err := conn.Query(ctx, `SELECT ServiceName, SpanName, Duration, Timestamp, SpanAttributes, Events.Name
		FROM otel_traces WHERE ServiceName = {service:String} ORDER BY Timestamp`, clickhouse.Named("service", "go-peer"))
	if err != nil {
		fail("spans", err)
	}
	for rows.Next() {
		var (
			service, name string
			duration      uint64
			ts            time.Time
			attrs         map[string]string
			events        []string
		)
		if err := rows.Scan(&service, &name, &duration, &ts, &attrs, &events); err != nil {
			fail("scan", err)
		}
		_ = out.Encode(map[string]any{"check": "span", "service": service, "name": name, "duration": duration,
			"timestamp": ts.UTC().Format(time.RFC3339Nano), "attributes": attrs, "events": events})
	}
	if err := rows.Err(); err != nil {
		fail("rows", err)
	}

	// A Grafana time-series panel: buckets and counts.
	series, err := conn.Query(ctx, `SELECT toStartOfMinute(Timestamp) AS t, count() AS n FROM otel_traces
		WHERE ServiceName = 'go-peer' GROUP BY t ORDER BY t`)
	if err != nil {
		fail("series", err)
	}
	total := uint64(0)
	for series.Next() {
		var t time.Time
		var n uint64
		if err := series.Scan(&t, &n); err != nil {
			fail("series scan", err)
		}
		total += n
	}
	_ = out.Encode(map[string]any{"check": "series", "total": total})

	// An empty result must not be an error.
	empty, err := conn.Query(ctx, "SELECT SpanName FROM otel_traces WHERE ServiceName = 'no-such-service'")
	if err != nil {
		fail("empty", err)
	}
	emptyRows := 0
	for empty.Next() {
		emptyRows++
	}
	if err := empty.Err(); err != nil {
		fail("empty rows", err)
	}
	_ = out.Encode(map[string]any{"check": "empty", "rows": emptyRows})

	// Writes are refused with ClickHouse's READONLY error.
	err = conn.Exec(ctx, "DROP TABLE otel_traces")
	_ = out.Encode(map[string]any{"check": "write", "error": fmt.Sprint(err)})
}

func fail(what string, err error) {
	fmt.Fprintf(os.Stderr, "%s: %v\n", what, err)
	os.Exit(1)
}
