#!/usr/bin/env bash
# Network comparison (issue 6): the HttpHello sample (one loop thread) beside a Python asyncio server and ASP.NET Core
# Kestrel, all serving the same bytes on loopback, each loaded by wrk the same way (same threads, connections and
# duration, keep-alive). All servers run at once and the wrk runs are interleaved (run 1 of every server, then run 2,
# ...), so a noisy machine weighs on all of them alike; the summary gives the median of the runs.
#
# usage: tests/Scheduler.Benchmarks/Network/compare.sh [-d DURATION] [-t WRK_THREADS] [-c "256 1000"] [-r RUNS]
#                                                      [-s "httphello asyncio kestrel kestrel-1core"] [-n]
#   -d  wrk duration per run (default 10s)      -t  wrk threads, the same for every server (default 2)
#   -c  connection counts (default "256 1000")  -r  runs per server and connection count (default 3)
#   -s  servers to measure (default all four)   -n  no build: use the Release binaries already built
# Servers: httphello      src/Samples/HttpHello --serve (one loop thread; the runtime's socket thread posts completions)
#          asyncio        asyncio_hello.py next to this script (one process, one thread)
#          kestrel        tests/Network/KestrelHello (the thread pool, Kestrel's normal way of running)
#          kestrel-1core  the same, held to one core: taskset -c 0 and DOTNET_PROCESSOR_COUNT=1
# Needs wrk (Debian package), python3 and the .NET SDK. Leaves no process behind: every server is stopped on exit.
set -euo pipefail

duration=10s
threads=2
connections="256 1000"
runs=3
servers="httphello asyncio kestrel kestrel-1core"
build=yes
while getopts "d:t:c:r:s:nh" option; do
    case "$option" in
        d) duration="$OPTARG" ;;
        t) threads="$OPTARG" ;;
        c) connections="$OPTARG" ;;
        r) runs="$OPTARG" ;;
        s) servers="$OPTARG" ;;
        n) build=no ;;
        *) sed -n '2,17p' "$0"; exit 2 ;;
    esac
done

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
cd "$root"
export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1
command -v wrk > /dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 1; }

work="$(mktemp -d)"
declare -A pid port
stop_servers() {
    local name
    for name in "${!pid[@]}"; do
        kill -TERM "${pid[$name]}" 2> /dev/null || true
    done
    for name in "${!pid[@]}"; do
        for _ in $(seq 50); do
            kill -0 "${pid[$name]}" 2> /dev/null || break
            sleep 0.1
        done
        kill -KILL "${pid[$name]}" 2> /dev/null || true
        wait "${pid[$name]}" 2> /dev/null || true
        unset "pid[$name]"
    done
}
trap 'stop_servers; rm -rf "$work"' EXIT
trap 'exit 130' INT TERM

build() {
    if ! dotnet build -c Release "$1" > "$work/build.log" 2>&1; then
        cat "$work/build.log"
        exit 1
    fi
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

start() {
    local name="$1" p
    local -a command
    p="$(free_port)"
    case "$name" in
        httphello) command=(dotnet src/Samples/HttpHello/bin/Release/net10.0/HttpHello.dll --serve --port "$p") ;;
        asyncio) command=(python3 "$here/asyncio_hello.py" --port "$p") ;;
        kestrel) command=(dotnet tests/Network/KestrelHello/bin/Release/net10.0/KestrelHello.dll --port "$p") ;;
        kestrel-1core) command=(env DOTNET_PROCESSOR_COUNT=1 taskset -c 0
                                dotnet tests/Network/KestrelHello/bin/Release/net10.0/KestrelHello.dll --port "$p") ;;
        *) echo "unknown server '$name'" >&2; exit 2 ;;
    esac
    "${command[@]}" > "$work/$name.log" 2>&1 &   # env and taskset exec the server: $! is the server itself
    pid[$name]=$!
    port[$name]=$p
    for _ in $(seq 300); do
        grep -q "listening on" "$work/$name.log" && return 0
        kill -0 "${pid[$name]}" 2> /dev/null || break
        sleep 0.1
    done
    echo "$name did not start listening; its output:" >&2
    cat "$work/$name.log" >&2
    exit 1
}

# The answer to GET / and to GET /missing, with the Date value blanked: every server must send exactly these bytes.
fetch() {
    python3 - "$1" << 'EOF'
import re, socket, sys
def get(port, path):
    s = socket.create_connection(("127.0.0.1", int(port)), timeout=5)
    s.sendall(b"GET " + path + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    data = b""
    while b"\r\n\r\n" not in data or len(data) < data.index(b"\r\n\r\n") + 4 + int(re.search(rb"Content-Length: (\d+)", data).group(1)):
        chunk = s.recv(4096)
        if not chunk:
            break
        data += chunk
    s.close()
    return re.sub(rb"Date: [^\r]*", b"Date: <date>", data)
print(repr(get(sys.argv[1], b"/") + get(sys.argv[1], b"/missing")))
EOF
}

# The middle value (the lower middle for an even count, so it is always one of the runs).
# CPU time a process has used so far, in clock ticks (user + system, all its threads).
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
ticks_per_second="$(getconf CLK_TCK)"

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# One wrk output -> "requests/s p50 p99 errors requests detail"
parse() {
    awk '
        / requests in / { requests = $1 }
        /Requests\/sec:/ { rps = $2 }
        /^ +50%/ { p50 = $2 }
        /^ +99%/ { p99 = $2 }
        /Socket errors:/ { gsub(",", ""); detail = detail "connect " $4 " read " $6 " write " $8 " timeout " $10 " "; errors += $4 + $6 + $8 + $10 }
        /Non-2xx or 3xx responses:/ { detail = detail "non-2xx " $5 " "; errors += $5 }
        END { if (detail == "") detail = "-"; else sub(/ $/, "", detail); printf "%s %s %s %d %d %s\n", rps, p50, p99, errors, requests, detail }
    ' "$1"
}

echo "== Network comparison: $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), $(uname -sr)"
echo "tools:   $(wrk --version 2>&1 | head -n 1 | cut -d' ' -f1-2), dotnet $(dotnet --version), $(python3 --version)"
echo "wrk:     -t$threads -d$duration --latency, keep-alive; connections: $connections; $runs run(s) each, interleaved"
echo "load:    $(uptime | sed 's/.*load/load/')"

if [[ "$build" == yes ]]; then
    echo "== Build (Release)"
    build src/Samples/HttpHello/HttpHello.csproj
    [[ " $servers " == *" kestrel"* ]] && build tests/Network/KestrelHello/KestrelHello.csproj
    echo "  ok"
fi

echo "== Start, and check the bytes (Date value blanked)"
reference=""
for name in $servers; do
    start "$name"
    bytes="$(fetch "${port[$name]}")"
    if [[ -z "$reference" ]]; then
        reference="$bytes"
        echo "  $name: $bytes"
    elif [[ "$bytes" == "$reference" ]]; then
        echo "  $name: the same bytes"
    else
        echo "  $name: DIFFERENT bytes: $bytes"
        exit 1
    fi
done

echo "== Warm-up (3s at 256 connections each, not counted)"
for name in $servers; do
    wrk -t"$threads" -c256 -d3s "http://127.0.0.1:${port[$name]}/" > /dev/null
done
echo "  done"

echo "== Runs"
for run in $(seq "$runs"); do
    for c in $connections; do
        for name in $servers; do
            out="$work/$name-$c-$run.txt"
            load="$(cut -d' ' -f1 /proc/loadavg)"
            before="$(cpu_ticks "${pid[$name]}")"
            wrk -t"$threads" -c"$c" -d"$duration" --latency "http://127.0.0.1:${port[$name]}/" > "$out" 2>&1
            after="$(cpu_ticks "${pid[$name]}")"
            read -r rps p50 p99 errors requests detail < <(parse "$out")
            cpu="$(awk -v t=$((after - before)) -v hz="$ticks_per_second" -v n="$requests" 'BEGIN { printf "%.1f", n ? t * 1e6 / hz / n : 0 }')"
            echo "$cpu" > "$out.cpu"
            printf '  run %d  %-14s %5d conns  %10s req/s  p50 %-8s p99 %-8s server CPU %5s us/req  errors %s (%s)  load %s\n' \
                "$run" "$name" "$c" "$rps" "$p50" "$p99" "$cpu" "$errors" "$detail" "$load"
        done
    done
done

echo "== Summary: median of $runs run(s); latency and server CPU of the median run; errors summed over the runs"
printf '  %-14s %6s %12s %10s %10s %14s %8s   %s\n' server conns "req/s" p50 p99 "CPU us/req" errors "all runs (req/s)"
for c in $connections; do
    for name in $servers; do
        all="$(for run in $(seq "$runs"); do parse "$work/$name-$c-$run.txt" | cut -d' ' -f1; done)"
        mid="$(median <<< "$all")"
        p50="-" p99="-" cpu="-" errors=0
        for run in $(seq "$runs"); do
            read -r rps r50 r99 e _ < <(parse "$work/$name-$c-$run.txt")
            errors=$((errors + e))
            if [[ "$rps" == "$mid" ]]; then p50="$r50" p99="$r99" cpu="$(cat "$work/$name-$c-$run.txt.cpu")"; fi
        done
        printf '  %-14s %6d %12.0f %10s %10s %14s %8d   %s\n' "$name" "$c" "$mid" "$p50" "$p99" "$cpu" "$errors" "$(echo $all)"
        echo "$name $c $mid" >> "$work/medians"
    done
done

if [[ " $servers " == *" httphello "* ]]; then
    echo "== Ratios: httphello's median over each peer's"
    for c in $connections; do
        mine="$(awk -v c="$c" '$1 == "httphello" && $2 == c { print $3 }' "$work/medians")"
        for name in $servers; do
            [[ "$name" == httphello ]] && continue
            theirs="$(awk -v n="$name" -v c="$c" '$1 == n && $2 == c { print $3 }' "$work/medians")"
            awk -v c="$c" -v n="$name" -v a="$mine" -v b="$theirs" 'BEGIN { printf "  %5d conns  vs %-14s x%.2f\n", c, n, a / b }'
        done
    done
fi

echo "load:    $(uptime | sed 's/.*load/load/')"
stop_servers
echo "== Stopped"
for name in $servers; do
    grep -h "stopped:" "$work/$name.log" | sed "s/^/  $name /" || true
done
