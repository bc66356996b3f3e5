#!/usr/bin/env bash
# Soak: the demo at a fixed rate for a while (default 30 min), sampling every minute the JVM heap
# in use, the process RSS, the processors' state on disk and the broker's log on disk.
# Usage: bench/soak.sh [DURATION_MINUTES] [RATE]   (after: mvn -B -q package -DskipTests)
# Prints CSV on stdout: minute,heap_used_mib,rss_mib,state_mib,broker_mib,events_processed
set -euo pipefail
minutes=${1:-30}
rate=${2:-400}
jar="$(dirname "$0")/../streams/target/wxfunnel.jar"
dir=$(mktemp -d -t wxfunnel-soak.XXXXXX)
port=19464
java -jar "$jar" demo --duration "${minutes}m" --rate "$rate" --metrics-port "$port" --data-dir "$dir" \
  > "$dir/demo.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
echo "minute,heap_used_mib,rss_mib,state_mib,broker_mib,events_processed"
for ((minute = 1; minute <= minutes; minute++)); do
  sleep 60
  kill -0 $pid 2>/dev/null || { echo "the demo stopped early; see $dir/demo.log" >&2; exit 1; }
  metrics=$(curl -sf "http://127.0.0.1:$port/metrics" || true)
  heap=$(echo "$metrics" | awk '/^jvm_memory_used_bytes\{.*area="heap"/ {sum += $NF} END {printf "%.0f", sum / 1048576}')
  rss=$(awk '/VmRSS/ {printf "%.0f", $2 / 1024}' "/proc/$pid/status")
  state=$(du -sm "$dir/state" 2>/dev/null | cut -f1)
  broker=$(du -sm "$dir/local" 2>/dev/null | cut -f1)
  sent=$(echo "$metrics" | awk '/^wxfunnel_events\{/ {sum += $NF} END {printf "%.0f", sum}')
  echo "$minute,$heap,$rss,$state,$broker,$sent"
done
wait $pid
