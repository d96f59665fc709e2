# Helpers shared by the bench scripts (sourced, not run). Everything binds to 127.0.0.1.

# Installs the Debian packages named, for each command (or path) that is missing:
#   need_packages wrk:wrk /usr/sbin/nginx:nginx-light
need_packages() {
  local need=() spec
  for spec in "$@"; do
    local what=${spec%%:*} pkg=${spec#*:}
    if [ "${what#/}" != "$what" ]; then [ -e "$what" ] || need+=("$pkg")
    else command -v "$what" >/dev/null 2>&1 || need+=("$pkg"); fi
  done
  [ ${#need[@]} -eq 0 ] && return 0
  local sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# The machine line every report starts with.
machine() {
  echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(free -g | awk '/Mem/ {print $2}') GB RAM, $(uname -sr), rustc $(rustc --version | cut -d' ' -f2), $(/usr/sbin/nginx -v 2>&1 | cut -d' ' -f3), $(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2), load $(cut -d' ' -f1-3 /proc/loadavg)"
}

# Creates the demo deployment in data folder $2 with binary $1 on 127.0.0.1:$3 (log in $4):
# starts `serve --demo`, waits until its search index is built (a clean restart then reuses it,
# so a timed start measures the start and not a rebuild) and stops it.
demo_deployment() {
  local bin=$1 data=$2 port=$3 log=$4 url="http://127.0.0.1:$3" pid
  "$bin" serve --demo --data "$data" --bind "127.0.0.1:$port" >"$log" 2>&1 &
  pid=$!
  for _ in $(seq 1 600); do curl -fs -o /dev/null "$url/healthz" && break; sleep 0.2; done
  for _ in $(seq 1 600); do
    curl -fs "$url/search?q=%E6%AE%8B%E7%96%BE%E4%BA%BA" | grep -q '正在重建' || break
    sleep 0.5
  done
  kill -TERM "$pid"
  wait "$pid" 2>/dev/null || true
}

# Seconds between two `date +%s%N` readings, two decimals.
secs() { python3 -c "print(f'{($2-$1)/1e9:.2f}')"; }

# Starts nginx in the foreground of a background job, serving directory $2 on 127.0.0.1:$3, with
# its configuration and temporary files under $1; waits until path $4 answers 200; extra `server`
# directives may follow in $5. Sets NGINX_PID; the caller kills it. The baseline of the portal
# benchmarks: the same bytes as static files. Its workers run as the calling user (root's
# default would be `nobody`, who cannot read a `mktemp -d` folder and answers 403 to every
# request: fast, and wrong).
start_nginx() {
  local dir=$1 root=$2 port=$3 probe=$4 extra=${5:-}
  mkdir -p "$dir/tmp"
  cat >"$dir/nginx.conf" <<EOF
worker_processes auto;
user $(id -un) $(id -gn);
daemon off;
pid $dir/nginx.pid;
error_log $dir/nginx-error.log;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $dir/tmp;
  proxy_temp_path $dir/tmp;
  fastcgi_temp_path $dir/tmp;
  uwsgi_temp_path $dir/tmp;
  scgi_temp_path $dir/tmp;
  types { text/html html; }
  default_type text/html;
  server {
    listen 127.0.0.1:$port;
    root $root;
    $extra
  }
}
EOF
  /usr/sbin/nginx -c "$dir/nginx.conf" -p "$dir" &
  NGINX_PID=$!
  for _ in $(seq 1 100); do
    curl -fs -o /dev/null "http://127.0.0.1:$port$probe" && return 0
    sleep 0.1
  done
  echo "nginx does not serve $probe: $(cat "$dir/nginx-error.log")" >&2
  return 1
}

# Fails when the wrk report in file $1 counted any answer other than 2xx or 3xx: a benchmark of
# error pages measures nothing.
wrk_ok() {
  if grep -q 'Non-2xx or 3xx responses' "$1"; then
    echo "wrk got error answers: $(grep 'Non-2xx' "$1")" >&2
    return 1
  fi
}
