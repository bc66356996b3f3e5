#!/usr/bin/env bash
# Soak: the demo at a fixed rate for a while (default 30 min), sampling every minute the JVM heap,
# the process RSS, RocksDB's shared cache (block cache and memtables), the processors' state on
# disk, the broker's log on disk and the persons held in state.
# Usage: benchmarks/scripts/soak.sh [DURATION_MINUTES] [RATE] [DEMO FLAGS...]   (after: mvn -B -q package -DskipTests)
# e.g. benchmarks/scripts/soak.sh 30 400 --lookback 5m --conversion-window 5m --dedup-horizon 5m --grace 1m
# so that the state's horizons pass within the run.
# The JVM gets a fixed, pre-touched heap (SOAK_JAVA_OPTS, default -Xms1g -Xmx1g -XX:+AlwaysPreTouch),
# so that RSS shows native memory growth rather than the collector sizing the heap, and glibc keeps
# two malloc arenas (MALLOC_ARENA_MAX, default 2), as advised for RocksDB in a JVM.
# Prints CSV on stdout:
# minute,heap_used_mib,heap_committed_mib,rss_mib,rocksdb_cache_mib,sst_mib,state_mib,broker_mib,events_processed,persons_in_state
set -euo pipefail
minutes=${1:-30}
rate=${2:-400}
shift $(( $# < 2 ? $# : 2 ))
dir=$(mktemp -d -t wxfunnel-soak.XXXXXX)
# A copy, so that a rebuild meanwhile does not pull the jar from under the running JVM.
jar="$dir/wxfunnel.jar"
cp "$(dirname "$0")/../../streams/target/wxfunnel.jar" "$jar"
port=19464
# shellcheck disable=SC2086
MALLOC_ARENA_MAX=${MALLOC_ARENA_MAX:-2} java ${SOAK_JAVA_OPTS:--Xms1g -Xmx1g -XX:+AlwaysPreTouch} -jar "$jar" demo \
  --duration "$((minutes + 1))m" --rate "$rate" --metrics-port "$port" --data-dir "$dir" "$@" > "$dir/demo.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
echo "minute,heap_used_mib,heap_committed_mib,rss_mib,rocksdb_cache_mib,sst_mib,state_mib,broker_mib,events_processed,persons_in_state"
mib() { awk -v pattern="$1" -v how="$2" '$0 ~ pattern {
  v = $NF; if (how == "max") { if (v > r) r = v } else { r += v } } END {printf "%.0f", r / 1048576}'; }
for ((minute = 1; minute <= minutes; minute++)); do
  sleep 60
  kill -0 $pid 2>/dev/null || { echo "the demo stopped early; see $dir/demo.log" >&2; exit 1; }
  metrics=$(curl -sf "http://127.0.0.1:$port/metrics" || true)
  heap=$(echo "$metrics" | mib '^jvm_memory_used_bytes\\{.*area="heap"' sum)
  committed=$(echo "$metrics" | mib '^jvm_memory_committed_bytes\\{.*area="heap"' sum)
  rss=$(awk '/VmRSS/ {printf "%.0f", $2 / 1024}' "/proc/$pid/status")
  # One cache for every store of the JVM (memtables are charged to it): each store reports the same.
  cache=$(echo "$metrics" | mib '^kafka_stream_state_block_cache_usage\\{' max)
  sst=$(echo "$metrics" | mib '^kafka_stream_state_total_sst_files_size\\{' sum)
  state=$(du -sm "$dir/state" 2>/dev/null | cut -f1)
  broker=$(du -sm "$dir/local" 2>/dev/null | cut -f1)
  events=$(echo "$metrics" | awk '/^wxfunnel_events\{/ {sum += $NF} END {printf "%.0f", sum}')
  persons=$(echo "$metrics" | awk '/^wxfunnel_state_persons\{/ {sum += $NF} END {printf "%.0f", sum}')
  echo "$minute,$heap,$committed,$rss,$cache,$sst,$state,$broker,$events,$persons"
done
wait $pid
