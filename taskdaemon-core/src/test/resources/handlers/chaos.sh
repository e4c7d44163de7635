#!/bin/sh
# A handler that echoes its task data, but crashes or hangs on a small share of tasks.
# CRASH and HANG are per-mille chances (default 10 each, i.e. 1 %).
crash=${CRASH:-10}
hang=${HANG:-10}
while IFS= read -r line; do
  data=${line#*\"task_data\":}
  data=${data%,\"attempt\":*}
  attempt=${line##*\"attempt\":}
  attempt=${attempt%\}}
  r=$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')
  r=$((r % 1000))
  if [ "$r" -lt "$crash" ]; then
    echo "chaos: crashing" >&2
    exit 7
  elif [ "$r" -lt $((crash + hang)) ]; then
    echo "chaos: hanging" >&2
    sleep 3600
  fi
  printf '{"status":"success","result":{"attempt":%s,"data":%s}}\n' "$attempt" "$data"
done
