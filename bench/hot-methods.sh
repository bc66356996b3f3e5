#!/usr/bin/env bash
# The methods most often on top of the stack in a JFR recording's execution samples, with their
# share of all samples. Usage: bench/hot-methods.sh RECORDING.jfr [TOP] [THREAD_PREFIX]
# e.g. after: java -XX:StartFlightRecording=filename=bench.jfr,settings=profile -jar streams/target/wxfunnel.jar bench
set -euo pipefail
recording=$1
top=${2:-25}
thread=${3:-}
jfr print --events jdk.ExecutionSample --stack-depth 1 "$recording" | awk -v thread="$thread" '
  /sampledThread = / { keep = (thread == "" || index($0, "\"" thread) > 0) }
  /line:/ && keep { sub(/^[ \t]+/, ""); sub(/[ \t]+line:.*/, ""); count[$0]++; total++ }
  END { for (m in count) printf "%6.2f%%  %s\n", 100 * count[m] / total, m; printf "%d samples\n", total > "/dev/stderr" }
' | sort -rn | head -n "$top"
