#!/bin/bash
# samples per-thread CPU (schedstat ns) of the switchboard server and baseline during a latency run
for i in $(seq 1 60); do
  for pat in "dist/src/cli/main.js serve" "bench/baseline/server.mjs"; do
    pid=$(pgrep -f "$pat" | head -1)
    [ -z "$pid" ] && continue
    for t in /proc/$pid/task/*; do
      echo "$(date +%s.%N) $pat $(basename $t) $(cat $t/comm 2>/dev/null | tr ' ' _) $(cut -d' ' -f1,2 $t/schedstat 2>/dev/null)"
    done
  done
  sleep 0.5
done
