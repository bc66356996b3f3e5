#!/usr/bin/env bash
# Soak: the demo at a fixed rate for a while (default 30 min), sampling every minute the JVM heap
# in use, the process RSS, the processors' state on disk and the broker's log on disk.
# Usage: bench/soak.sh [DURATION_MINUTES] [RATE] [DEMO FLAGS...]   (after: mvn -B -q package -DskipTests)
# e.g. bench/soak.sh 30 400 --lookback 5m --conversion-window 5m --dedup-horizon 5m --grace 1m
# so that the state's horizons pass within the run.
# Prints CSV on stdout: minute,heap_used_mib,rss_mib,state_mib,broker_mib,events_processed,state_keys
# (state_keys: RocksDB's estimate of the keys in every store of both processors).
set -euo pipefail
minutes=${1:-30}
rate=${2:-400}
shift $(( $# < 2 ? $# : 2 ))
dir=$(mktemp -d -t wxfunnel-soak.XXXXXX)
# A copy, so that a rebuild meanwhile does not pull the jar from under the running JVM.
jar="$dir/wxfunnel.jar"
cp "$(dirname "$0")/../streams/target/wxfunnel.jar" "$jar"
port=19464
java -jar "$jar" demo --duration "$((minutes + 1))m" --rate "$rate" --metrics-port "$port" --data-dir "$dir" "$@" \
  > "$dir/demo.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
echo "minute,heap_used_mib,rss_mib,state_mib,broker_mib,events_processed,state_keys"
for ((minute = 1; minute <= minutes; minute++)); do
  sleep 60
  kill -0 $pid 2>/dev/null || { echo "the demo stopped early; see $dir/demo.log" >&2; exit 1; }
  metrics=$(curl -sf "http://127.0.0.1:$port/metrics" || true)
  heap=$(echo "$metrics" | awk '/^jvm_memory_used_bytes\{.*area="heap"/ {sum += $NF} END {printf "%.0f", sum / 1048576}')
  rss=$(awk '/VmRSS/ {printf "%.0f", $2 / 1024}' "/proc/$pid/status")
  state=$(du -sm "$dir/state" 2>/dev/null | cut -f1)
  broker=$(du -sm "$dir/local" 2>/dev/null | cut -f1)
  sent=$(echo "$metrics" | awk '/^wxfunnel_events\{/ {sum += $NF} END {printf "%.0f", sum}')
  keys=$(echo "$metrics" | awk '/^kafka_stream_state_estimate_num_keys\{/ {sum += $NF} END {printf "%.0f", sum}')
  echo "$minute,$heap,$rss,$state,$broker,$sent,$keys"
done
wait $pid
