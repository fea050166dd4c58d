#!/usr/bin/env bash
# nginx (Debian) in front of Clearway API processes on 127.0.0.1, in a private directory, never as a service.
#   scripts/nginx.sh start DIR PORT UPSTREAM_PORT...   # prints http://127.0.0.1:PORT once it answers
#   scripts/nginx.sh stop DIR
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
cmd=${1:?start|stop}; dir=${2:?directory}
case "$cmd" in
  start)
    port=${3:?port}; shift 3
    [ $# -gt 0 ] || { echo "at least one upstream port" >&2; exit 2; }
    mkdir -p "$dir"
    for t in client_temp proxy_temp fastcgi_temp uwsgi_temp scgi_temp; do mkdir -p "$dir/$t"; done
    chmod -R a+rwx "$dir"  # the workers run as nobody when started as root
    upstreams=""
    for p in "$@"; do upstreams+="        server 127.0.0.1:$p max_fails=0;"$'\n'; done
    sed -e "s#@DIR@#$dir#g" -e "s#@PORT@#$port#g" "$here/deploy/nginx.conf.template" \
      | awk -v ups="$upstreams" '{ if ($0 == "@UPSTREAMS@") printf "%s", ups; else print }' > "$dir/nginx.conf"
    /usr/sbin/nginx -t -q -p "$dir" -c "$dir/nginx.conf" -e "$dir/error.log"
    /usr/sbin/nginx -p "$dir" -c "$dir/nginx.conf" -e "$dir/error.log" >"$dir/stdout.log" 2>&1 &
    for _ in $(seq 1 100); do
      if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "http://127.0.0.1:$port"; exit 0; fi
      sleep 0.05
    done
    echo "nginx did not start: $(tail -5 "$dir/error.log")" >&2; exit 1 ;;
  stop)
    if [ -f "$dir/nginx.pid" ]; then
      pid=$(cat "$dir/nginx.pid"); kill -QUIT "$pid" 2>/dev/null || true
      for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || exit 0; sleep 0.05; done
      kill -KILL "$pid" 2>/dev/null || true
    fi ;;
  *) echo "usage: $0 start DIR PORT UPSTREAM_PORT... | stop DIR" >&2; exit 2 ;;
esac
