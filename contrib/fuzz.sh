#!/usr/bin/env bash
# Coverage-guided fuzzing of the core's parsers with cargo-fuzz (docs/reliability.md, "Fuzzing").
#
#   contrib/fuzz.sh list            the targets
#   contrib/fuzz.sh run [SECONDS [TARGET...]]
#                                   each target (or those named) in turn, SECONDS each (default
#                                   600), on the committed inputs; exits 1 when any found something
#   contrib/fuzz.sh cmin            minimise each fuzz/corpus/<target>/ before committing it
#
# For root on Debian bookworm with the stable toolchain: installs clang and cargo-fuzz when missing,
# and sets RUSTC_BOOTSTRAP=1, as cargo-fuzz passes nightly-only flags to rustc. One process per
# target, one target at a time. New inputs go to fuzz/corpus/<target>/, findings (crash, timeout,
# out of memory) to fuzz/artifacts/<target>/; replay one with
# `RUSTC_BOOTSTRAP=1 cargo fuzz run -s none <target> <file>`.
#
# No sanitizer by default: the core forbids unsafe code, and AddressSanitizer made the targets about
# 4 to 7 times slower. Debug assertions (overflow checks) stay on. SANITIZER=address puts it back.
set -euo pipefail

cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
export RUSTC_BOOTSTRAP=1
sanitizer=(--sanitizer "${SANITIZER:-none}")

usage() {
    sed -n '2,17s/^# \{0,1\}//p' "$0"
    exit 2
}

setup() {
    if ! command -v clang >/dev/null; then
        apt-get update
        apt-get install -y clang
    fi
    if ! cargo fuzz --version >/dev/null 2>&1; then
        cargo install cargo-fuzz --locked
    fi
}

targets() {
    cargo fuzz list
}

# libFuzzer options per target: -max_len fits the inputs each one takes.
options() {
    local max_len
    case "$1" in
        protocol_request) max_len=2048 ;; # bodies over 1023 bytes must be refused unread
        config_reader) max_len=20000 ;;   # the sample configuration is 18 kB
        contacts_xml) max_len=4096 ;;
        digit_map) max_len=256 ;;
        mdns_packet) max_len=9000 ;; # RFC 6762's largest mDNS datagram
        *) max_len=4096 ;;
    esac
    local opts=(-max_len="$max_len" -rss_limit_mb=2048 -timeout=30 -print_final_stats=1)
    if [[ -f "fuzz/dict/$1.dict" ]]; then
        opts+=(-dict="fuzz/dict/$1.dict")
    fi
    printf '%s\n' "${opts[@]}"
}

# The config_reader and contacts_xml targets write under /dev/shm; a run ends without cleaning up.
clean_sandboxes() {
    local dir pid
    for dir in /dev/shm/rdp-fuzz-*; do
        [[ -e "$dir" ]] || continue
        pid="${dir#/dev/shm/rdp-fuzz-}"
        pid="${pid%%-*}"
        if ! kill -0 "$pid" 2>/dev/null; then
            rm -rf "$dir"
        fi
    done
}

run() {
    local seconds="${1:-600}" failed=() target chosen
    [[ "$seconds" =~ ^[0-9]+$ ]] || usage
    shift || true
    if (($#)); then chosen=("$@"); else mapfile -t chosen < <(targets); fi
    cargo fuzz build "${sanitizer[@]}"
    for target in "${chosen[@]}"; do
        mkdir -p "fuzz/corpus/$target"
        local inputs=("fuzz/corpus/$target")
        [[ -d "fuzz/seeds/$target" ]] && inputs+=("fuzz/seeds/$target")
        [[ -d "fuzz/regressions/$target" ]] && inputs+=("fuzz/regressions/$target")
        mapfile -t opts < <(options "$target")
        echo "== $target: $seconds s"
        if ! cargo fuzz run "${sanitizer[@]}" "$target" "${inputs[@]}" -- \
            -max_total_time="$seconds" "${opts[@]}"; then
            failed+=("$target")
        fi
        clean_sandboxes
    done
    if ((${#failed[@]})); then
        echo "findings in: ${failed[*]} (see fuzz/artifacts/)" >&2
        exit 1
    fi
    echo "no findings"
}

# A smallest set of inputs that reaches every edge the corpus reaches (hit counts not told apart),
# so the committed corpus stays small.
cmin() {
    local target
    for target in $(targets); do
        mapfile -t opts < <(options "$target")
        cargo fuzz cmin "${sanitizer[@]}" "$target" "fuzz/corpus/$target" -- "${opts[@]}" \
            -set_cover_merge=1 -use_counters=0
        clean_sandboxes
    done
}

case "${1:-}" in
    list)
        setup
        targets
        ;;
    run)
        setup
        shift
        run "$@"
        ;;
    cmin)
        setup
        cmin
        ;;
    *) usage ;;
esac
