#!/usr/bin/env bash
# Benchmarks of res_digium_phone against the sandbox's real Asterisk: 22, or the major RDP_ASTERISK
# names (docs/benchmarks.md).
#
#   contrib/bench.sh run [--phones "100 500 1000"] [--rounds 3] [--reload-phones 10000] [--out FILE]
#                        [--no-criterion]
#       A boot storm of N simulated phones (distinct loopback addresses and ports, all at once) for
#       each N, three ways in the same Asterisk: this module (MESSAGE exchange + HTTP fetch), the
#       floor (a dialplan that sends each MESSAGE straight back) and res_phoneprov (per-phone HTTP
#       configurations of the same size). Then reloads of a generated file of --reload-phones phones
#       while probes watch the message path, and the criterion micro-benchmarks. Rewrites FILE
#       (default docs/benchmarks.md), ending with the RESULT line; its analysis section is kept, and
#       the figures it held move to its "Previous run" section.
#   contrib/bench.sh smoke
#       A small run (N = 20, one round, a 200-phone reload, no criterion) into a scratch file; fails
#       unless every phone of every mode provisioned and every figure is present. CI runs this.
#
# Run as root on Debian bookworm; it sets up the sandbox (contrib/sandbox.sh) as needed.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SANDBOX=${RDP_SANDBOX:-/var/lib/res-digium-phone}
SB=("$REPO/contrib/sandbox.sh")
# The chroot of the Asterisk the sandbox selects (RDP_ASTERISK, default 22).
ROOT=$(RDP_SANDBOX=$SANDBOX bash "${SB[@]}" root)
BENCH=$REPO/target/release/digium-phones-bench
# res_phoneprov reads templates from <astdatadir>/phoneprov, shared by every instance.
PHONEPROV_DIR=/usr/share/asterisk/phoneprov

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'bench: %s\n' "$*" >&2; exit 1; }

phones="100 500 1000" rounds=3 reload_phones=10000 out="$REPO/docs/benchmarks.md" criterion=yes

build() {
    RDP_SANDBOX=$SANDBOX bash "${SB[@]}" setup
    RDP_SANDBOX=$SANDBOX bash "${SB[@]}" build
    [ -x "$HOME/.cargo/bin/cargo" ] && export PATH="$HOME/.cargo/bin:$PATH"
    (cd "$REPO" && ASTERISK_INCLUDE_DIR=$SANDBOX/include cargo build --release --quiet -p digium-phones --bin digium-phones-bench)
}

sandbox() { RDP_SANDBOX=$SANDBOX bash "${SB[@]}" "$@"; }

# Whether CLI command CMD of instance NAME prints TEXT. (Read whole: grep -q closing the pipe early
# would fail the pipeline under pipefail.)
cli_has() {
    local out
    out=$(sandbox cli "$1" "$2") || return 1
    grep -qF -- "$3" <<<"$out"
}

# Generates the files for N phones into DIR (on the host).
generate() {
    local n=$1 dir=$2
    "$BENCH" generate --phones "$n" --dir "$dir" --template-path "rdp-bench-$n.xml"
}

# Starts instance NAME on fresh ports with the generated files of DIR, res_phoneprov serving the same
# phones and the echo extension of the floor. Prints "PID SIP HTTP AMI".
start_instance() {
    local name=$1 dir=$2 n=$3
    local sip http ami pid
    read -r sip http ami < <("$BENCH" ports)
    sandbox start "$name" --conf "$dir/res_digium_phone.conf" \
        --sip-port "$sip" --http-port "$http" --ami-port "$ami" >/dev/null
    local etc=$ROOT/srv/rdp/$name/etc
    cat "$dir/pjsip-phoneprov.conf" >>"$etc/pjsip.conf"
    cp "$dir/phoneprov.conf" "$etc/phoneprov.conf"
    install -D -m 0644 "$dir/phoneprov-template.xml" "$ROOT$PHONEPROV_DIR/rdp-bench-$n.xml"
    printf 'load => res_phoneprov.so\nload => res_pjsip_phoneprov_provider.so\nload => func_cut.so\n' >>"$etc/modules.conf"
    # The floor: Asterisk's own message path, the dialplan sending each MESSAGE back to where it
    # came from, through the same endpoint and to the same destination the module's replies use.
    cat >>"$etc/extensions.conf" <<'EOF'

[dpma_message_context]
exten => echo,1,MessageSend(pjsip:dpma_endpoint/sip:${CUT(CUT(MESSAGE(from),@,1),:,2)}@${MESSAGE_DATA(PJSIP_RECVADDR)})
 same => n,Hangup()
EOF
    chroot "$ROOT" chown -R asterisk:asterisk "/srv/rdp/$name/etc"
    pid=$(sandbox restart "$name")
    cli_has "$name" "dialplan show echo@dpma_message_context" MessageSend ||
        die "$name: the echo extension is not in the dialplan"
    # res_pjsip_phoneprov_provider adds the users' routes shortly after the boot.
    local i
    for i in $(seq 1 50); do
        cli_has "$name" "phoneprov show routes" "000fd3000001.cfg" && break
        [ "$i" = 50 ] && die "$name: res_phoneprov does not serve the generated phones"
        sleep 0.2
    done
    echo "$pid $sip $http $ami"
}

storms() {
    local raw=$1 pid=$2 sip=$3 http=$4
    local n r mode round=0 max
    max=$(echo "$phones" | tr ' ' '\n' | sort -n | tail -1)
    # One storm of each kind first, not counted: Asterisk's first MESSAGEs and connections set up
    # pools and tables that later ones reuse.
    for mode in floor ours phoneprov; do
        round=$((round + 1))
        log "warm-up storm: $mode, $max phones"
        "$BENCH" storm --mode "$mode" --phones "$max" --round "$round" --sip-port "$sip" \
            --http-port "$http" --timeout 60 >/dev/null 2>&1 || true
    done
    for n in $phones; do
        for r in $(seq 1 "$rounds"); do
            for mode in floor ours phoneprov; do
                round=$((round + 1))
                log "storm: $mode, $n phones, round $r"
                "$BENCH" storm --mode "$mode" --phones "$n" --round "$round" --sip-port "$sip" \
                    --http-port "$http" --pid "$pid" --clk-tck "$(getconf CLK_TCK)" --timeout 60 \
                    2> >(sed "s/^/    /" >&2) | sed "s/^storm /storm rep=$r /" >>"$raw"
            done
        done
    done
}

# The module's own time in the last reload, from its log line: the whole reload less Asterisk's
# config parser and destructor, which it times apart.
module_times() {
    local line total parser destructor
    line=$(grep -a 'reloaded in' "$ROOT/srv/rdp/$1/log/messages.log" | tail -1)
    total=$(sed -nE 's/.*reloaded in ([0-9]+) ms.*/\1/p' <<<"$line")
    parser=$(sed -nE "s/.*Asterisk's parser ([0-9]+) and destructor ([0-9]+).*/\1/p" <<<"$line")
    destructor=$(sed -nE "s/.*Asterisk's parser ([0-9]+) and destructor ([0-9]+).*/\2/p" <<<"$line")
    if [ -z "$total" ] || [ -z "$parser" ] || [ -z "$destructor" ]; then
        die "$1: no reload timing in the log"
    fi
    printf 'module_ms=%s asterisk_config_ms=%s' "$((total - parser - destructor))" "$((parser + destructor))"
}

# A reload of the 1-phone file to the big one without probes (what memory the phones cost), then
# reloads of the big file to changed copies of itself (the admin's everyday reload, the whole model
# in service) while probes watch the message path.
reloads() {
    local raw=$1 name=$2 pid=$3 sip=$4 ami=$5 big=$6
    local conf=$ROOT/srv/rdp/$name/etc/res_digium_phone.conf
    local dir; dir=$(dirname "$big")
    local kind with probes i result
    for i in 1 2 3; do
        { cat "$big"; printf '\n; changed for the reload benchmark (%s)\n' "$i"; } >"$dir/changed-$i.conf"
    done
    # Not counted: a reload of the one-phone file, so that the memory before the grow is measured
    # as after it, right after the module trimmed the heap.
    { cat "$conf"; printf '\n; trimmed\n'; } >"$dir/one-changed.conf"
    "$BENCH" reload --ami-port "$ami" --sip-port "$sip" --conf "$conf" --with "$dir/one-changed.conf" \
        --pid "$pid" --settle 1 --probes no >/dev/null
    for kind in grow same-1 same-2 same-3; do
        case $kind in
            grow) with=$big probes=no ;;
            same-*) with=$dir/changed-${kind#same-}.conf probes=yes ;;
        esac
        log "reload: $kind ($reload_phones phones, probes: $probes)"
        result=$("$BENCH" reload --ami-port "$ami" --sip-port "$sip" --conf "$conf" --with "$with" \
            --pid "$pid" --clk-tck "$(getconf CLK_TCK)" --settle 2 --probes "$probes")
        printf '%s %s\n' "${result/#reload /reload kind=$kind phones=$reload_phones }" \
            "$(module_times "$name")" >>"$raw"
        cli_has "$name" "digium_phones show phone desk$reload_phones" "desk$reload_phones" ||
            die "$name: the reloaded file is not in service"
    done
}

criterion() {
    local raw=$1
    log "criterion: cargo bench -p digium-phones --bench core"
    (cd "$REPO" && ASTERISK_INCLUDE_DIR=$SANDBOX/include cargo bench --quiet -p digium-phones --bench core -- --noplot 2>/dev/null) |
        tee /dev/stderr | python3 "$REPO/contrib/bench_report.py" criterion >>"$raw"
}

# The package's version where Asterisk is Debian's, else the source build's own.
asterisk_version() {
    # dpkg-query's ${Version} is its own field syntax, not the shell's.
    # shellcheck disable=SC2016
    chroot "$ROOT" dpkg-query -W -f='${Version}' asterisk 2>/dev/null ||
        chroot "$ROOT" asterisk -V | sed 's/^Asterisk //'
}

machine() {
    printf 'machine cpu=%q cores=%s mem_gib=%s kernel=%s asterisk=%q rustc=%q\n' \
        "$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)" "$(nproc)" \
        "$(awk '/MemTotal/ {printf "%.0f", $2 / 1048576}' /proc/meminfo)" "$(uname -r)" \
        "$(asterisk_version)" "$(rustc --version)"
}

cmd_run() {
    build
    local work=$SANDBOX/bench
    rm -rf "$work"
    mkdir -p "$work"
    local raw=$work/raw.txt max
    max=$(echo "$phones" | tr ' ' '\n' | sort -n | tail -1)
    machine >"$raw"
    generate "$max" "$work/storm"
    generate 1 "$work/one"
    generate "$reload_phones" "$work/big"

    trap 'sandbox stop rdp-bench >/dev/null 2>&1 || true; sandbox stop rdp-bench-reload >/dev/null 2>&1 || true' EXIT
    local pid sip http ami
    start_instance rdp-bench "$work/storm" "$max" >"$work/instance"
    read -r pid sip http ami <"$work/instance"
    storms "$raw" "$pid" "$sip" "$http"
    sandbox stop rdp-bench

    start_instance rdp-bench-reload "$work/one" 1 >"$work/instance"
    read -r pid sip http ami <"$work/instance"
    reloads "$raw" rdp-bench-reload "$pid" "$sip" "$ami" "$work/big/res_digium_phone.conf"
    sandbox stop rdp-bench-reload

    log "memory of $reload_phones phones in the core"
    "$BENCH" memory --phones "$reload_phones" >>"$raw"
    [ $criterion = yes ] && criterion "$raw"
    # The analysis section of an earlier run is kept, and its figures become the previous run's.
    python3 "$REPO/contrib/bench_report.py" report "$raw" "$out" >"$out.new"
    mv "$out.new" "$out"
    log "wrote $out"
    tail -1 "$out"
}

main() {
    local cmd=${1:-}
    [ -n "$cmd" ] || { sed -n '2,/^set -euo/{/^set -euo/d;p}' "${BASH_SOURCE[0]}"; exit 2; }
    shift
    [ "$(id -u)" = 0 ] || die "run as root (it uses the sandbox's chroot)"
    case $cmd in
        run)
            while [ $# -gt 0 ]; do
                case $1 in
                    --phones) phones=$2; shift 2 ;;
                    --rounds) rounds=$2; shift 2 ;;
                    --reload-phones) reload_phones=$2; shift 2 ;;
                    --out) out=$2; shift 2 ;;
                    --no-criterion) criterion=no; shift ;;
                    *) die "run: unknown option $1" ;;
                esac
            done
            cmd_run
            ;;
        smoke)
            phones=20 rounds=1 reload_phones=200 criterion=no out=$SANDBOX/bench-smoke.md
            cmd_run
            python3 "$REPO/contrib/bench_report.py" check "$SANDBOX/bench/raw.txt"
            ;;
        *) die "unknown command '$cmd'" ;;
    esac
}

main "$@"
