#!/usr/bin/env bash
# The 10,000-connection check (issue 4): each network sample serves N concurrent connections on loopback from one
# loop thread. The server runs alone in its process (`--serve`); tests/Network/ConnectionLoad, a second process with
# one loop thread of its own, opens all N connections, does one round trip on each while all are open, and closes
# them. Two processes, because each side of a connection is a descriptor and the open-file limit here is 20,000.
# The server, stopped with SIGTERM, prints how many connections it held at once.
#
# usage: tests/Scheduler.Benchmarks/Network/connections.sh [-c CONNECTIONS] [-n]
#   -c  connections (default 10000)     -n  no build: use the Release binaries already built
# Leaves no process behind: the server is stopped on exit.
set -euo pipefail

connections=10000
build=yes
while getopts "c:nh" option; do
    case "$option" in
        c) connections="$OPTARG" ;;
        n) build=no ;;
        *) sed -n '2,10p' "$0"; exit 2 ;;
    esac
done

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
cd "$root"
export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1

work="$(mktemp -d)"
server_pid=""
stop_server() {
    [[ -n "$server_pid" ]] || return 0
    kill -TERM "$server_pid" 2> /dev/null || true
    for _ in $(seq 100); do
        kill -0 "$server_pid" 2> /dev/null || break
        sleep 0.1
    done
    kill -KILL "$server_pid" 2> /dev/null || true
    wait "$server_pid" 2> /dev/null || true
    server_pid=""
}
trap 'stop_server; rm -rf "$work"' EXIT
trap 'exit 130' INT TERM

if [[ "$build" == yes ]]; then
    for project in src/Samples/TcpEcho/TcpEcho.csproj src/Samples/HttpHello/HttpHello.csproj tests/Network/ConnectionLoad/ConnectionLoad.csproj; do
        if ! dotnet build -c Release "$project" > "$work/build.log" 2>&1; then
            cat "$work/build.log"
            exit 1
        fi
    done
fi

echo "== $connections concurrent connections on loopback: $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "machine: $(nproc) cores, $(uname -sr); open-file limit $(ulimit -n) per process"
echo "load:    $(uptime | sed 's/.*load/load/')"
failures=0
for sample in TcpEcho HttpHello; do
    case "$sample" in
        TcpEcho) arguments=(--serve) protocol=echo ;;
        HttpHello) arguments=(--serve --port 0) protocol=http ;;
    esac
    echo
    echo "== $sample"
    dotnet "src/Samples/$sample/bin/Release/net10.0/$sample.dll" "${arguments[@]}" > "$work/server.log" 2>&1 &
    server_pid=$!
    port=""
    for _ in $(seq 300); do
        port="$(grep -o '127\.0\.0\.1:[0-9]*' "$work/server.log" | head -n 1 | cut -d: -f2 || true)"
        [[ -n "$port" ]] && break
        kill -0 "$server_pid" 2> /dev/null || break
        sleep 0.1
    done
    if [[ -z "$port" ]]; then
        echo "  $sample did not start listening; its output:"
        cat "$work/server.log"
        exit 1
    fi

    echo "  server: $(head -n 1 "$work/server.log")"
    set +e
    dotnet tests/Network/ConnectionLoad/bin/Release/net10.0/ConnectionLoad.dll --port "$port" --connections "$connections" --protocol "$protocol" | sed 's/^/  /'
    rc=${PIPESTATUS[0]}
    set -e
    stop_server
    echo "  server: $(grep 'stopped:' "$work/server.log" || echo 'no summary')"
    grep -Eq "at most $connections (connections )?open at once" "$work/server.log" || { echo "  the server never held $connections connections at once"; rc=1; }
    [[ $rc -eq 0 ]] || failures=$((failures + 1))
done

echo
echo "load:    $(uptime | sed 's/.*load/load/')"
[[ $failures -eq 0 ]] && echo "== OK: both samples served $connections concurrent connections" || echo "== FAILED ($failures sample(s))"
[[ $failures -eq 0 ]]
