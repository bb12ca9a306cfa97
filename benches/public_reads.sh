#!/usr/bin/env bash
# Public read throughput: paystatus against nginx serving the very same bytes as static
# files, side by side on loopback, measured with wrk. Prints requests/s and p99 latency
# for each public document and the ratio paystatus/nginx (DESIGN.md asks for >= 1.5x
# and p99 <= 5 ms).
#
#   bash benches/public_reads.sh                 # 10 past incidents
#   INCIDENTS=2000 bash benches/public_reads.sh  # a longer history
#   DURATION=20s CONNECTIONS=128 bash benches/public_reads.sh
#
# Needs wrk and nginx (Debian: apt-get install wrk nginx-light) and curl.
set -euo pipefail
cd "$(dirname "$0")/.."

INCIDENTS=${INCIDENTS:-10}
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-64}
THREADS=${THREADS:-2}

for tool in wrk nginx curl; do
  command -v "$tool" >/dev/null || { echo "needs $tool (apt-get install wrk nginx-light curl)" >&2; exit 1; }
done

cargo build --release --quiet
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
PS_PORT=$(free_port)
NG_PORT=$(free_port)
PS="http://127.0.0.1:$PS_PORT"

PAYSTATUS_DATA_DIR="$work/data" PAYSTATUS_LISTEN="127.0.0.1:$PS_PORT" RUST_LOG=warn \
  ./target/release/paystatus serve 2>"$work/paystatus.log" &
pids+=($!)
for _ in $(seq 100); do curl -fs "$PS/healthz" >/dev/null && break; sleep 0.1; done

KEY=$(PAYSTATUS_DATA_DIR="$work/data" ./target/release/paystatus keys create --name bench --scope incidents 2>/dev/null)
post() { curl -fsS -X POST "$PS/api/admin/v1$1" -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' -d "$2"; }
echo "posting $INCIDENTS past incidents and one open one…" >&2
for i in $(seq "$INCIDENTS"); do
  post /incidents "{\"title\": \"지난 장애 $i\", \"message\": \"결제가 지연되었습니다.\", \"status\": \"resolved\", \"components\": {\"mobile\": \"partial_outage\"}}" >/dev/null
done
ID=$(post /incidents '{"title": "카드 결제 승인 지연", "message": "일부 카드 결제가 실패하고 있습니다.", "components": {"card": "major_outage"}, "next_update_in_minutes": 20, "alternatives": [{"component": "bank-transfer", "instructions": "주문서에서 계좌이체를 선택해 주세요"}]}' \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')

# The same documents, byte for byte (gzip variant included), as files for nginx.
PATHS=("/" "/api/v2/summary.json" "/history.rss" "/incidents/$ID")
for path in "${PATHS[@]}"; do
  file="$work/static$path"
  [[ "$path" == */ || "$path" == /incidents/* ]] && file="${file%/}/index.html"
  mkdir -p "$(dirname "$file")"
  curl -fsS "$PS$path" -o "$file"
  curl -fsS -H 'Accept-Encoding: gzip' "$PS$path" -o "$file.gz"
done
cat >"$work/nginx.conf" <<NGINX
daemon off;
worker_processes auto;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 4096; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 1000000;
  types { text/html html; application/json json; application/rss+xml rss; }
  default_type text/html;
  server {
    listen 127.0.0.1:$NG_PORT;
    root $work/static;
    gzip_static on;
    location / { try_files \$uri \$uri/index.html =404; }
  }
}
NGINX
nginx -c "$work/nginx.conf" -p "$work" &
pids+=($!)
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$NG_PORT/" >/dev/null && break; sleep 0.1; done

measure() { # url -> "requests/s p99_ms"
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -H 'Accept-Encoding: gzip' "$1" \
    | awk '/Requests\/sec/ {rps=$2} /^ +99%/ {v=$2; if (v ~ /us$/) {sub(/us/,"",v); v/=1000} else if (v ~ /ms$/) {sub(/ms/,"",v)} else if (v ~ /s$/) {sub(/s/,"",v); v*=1000}; p99=v} END {printf "%.0f %.2f", rps, p99}'
}

printf '%-28s %14s %10s %14s %10s %7s\n' "document ($INCIDENTS past)" "paystatus r/s" "p99 ms" "nginx r/s" "p99 ms" "ratio"
for path in "${PATHS[@]}"; do
  read -r ps_rps ps_p99 <<<"$(measure "$PS$path")"
  read -r ng_rps ng_p99 <<<"$(measure "http://127.0.0.1:$NG_PORT$path")"
  ratio=$(python3 -c "print(f'{$ps_rps / max($ng_rps, 1):.2f}')")
  label=$path; [[ $path == /incidents/* ]] && label="/incidents/{id}"
  printf '%-28s %14s %10s %14s %10s %7s\n' "$label" "$ps_rps" "$ps_p99" "$ng_rps" "$ng_p99" "$ratio"
done

# How long an operator waits for a write to be committed and live on every public view.
times=()
for _ in $(seq 20); do
  times+=("$(curl -fsS -o /dev/null -w '%{time_total}' -X POST "$PS/api/admin/v1/incidents/$ID/updates" \
    -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' -d '{"message": "계속 확인하고 있습니다."}')")
done
printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1*1000} END {printf "admin update until live: median %.1f ms, max %.1f ms (20 writes)\n", a[int((NR+1)/2)], a[NR]}'
