# shellcheck shell=bash
# Connection settings of the backing services that infra/start.sh runs (see docs/infra.md).
# Usage: source infra/env.sh   (values already set in the environment are kept)
export SPYGLASS_PG_URL="${SPYGLASS_PG_URL:-postgres://spyglass:spyglass@127.0.0.1:55432/spyglass}"
export SPYGLASS_MYSQL_URL="${SPYGLASS_MYSQL_URL:-mysql://spyglass:spyglass@127.0.0.1:53306/spyglass}"
export SPYGLASS_REDIS_URL="${SPYGLASS_REDIS_URL:-redis://127.0.0.1:56379}"
export SPYGLASS_AMQP_URL="${SPYGLASS_AMQP_URL:-amqp://spyglass:spyglass@127.0.0.1:55672}"
export SPYGLASS_KAFKA_BROKERS="${SPYGLASS_KAFKA_BROKERS:-127.0.0.1:59092}"
