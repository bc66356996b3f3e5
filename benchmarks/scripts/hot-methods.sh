#!/usr/bin/env bash
# The methods most often on top of the stack in a JFR recording's execution samples, with their
# share of all samples, of the threads whose name matches THREAD_REGEX (default: all).
# Usage: benchmarks/scripts/hot-methods.sh RECORDING.jfr [TOP] [THREAD_REGEX] [DEPTH]
# With DEPTH > 1, each sample counts for the first of its top DEPTH frames that is wxfunnel's own
# (or its top frame if none is): where in the project the time goes.
# e.g. after: java -XX:StartFlightRecording=filename=bench.jfr,settings=profile -jar streams/target/wxfunnel.jar bench
set -euo pipefail
recording=$1
top=${2:-25}
thread=${3:-.}
depth=${4:-1}
jfr print --events jdk.ExecutionSample --stack-depth "$depth" "$recording" | awk -v thread="$thread" -v depth="$depth" '
  function flush() { if (keep && first != "") { count[own != "" ? own : first]++; total++ } first = ""; own = "" }
  /sampledThread = / { flush(); name = $0; sub(/.*sampledThread = "/, "", name); sub(/".*/, "", name); keep = (name ~ thread) }
  /line:/ { frame = $0; sub(/^[ \t]+/, "", frame); sub(/[ \t]+line:.*/, "", frame)
            if (first == "") first = frame
            if (own == "" && depth > 1 && frame ~ /^wxfunnel\./) own = frame }
  END { flush(); for (m in count) printf "%6.2f%%  %s\n", 100 * count[m] / total, m; printf "%d samples\n", total > "/dev/stderr" }
' | sort -rn | head -n "$top"
