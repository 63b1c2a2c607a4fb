#!/usr/bin/env bash
# The res_digium_phone sandbox: a Debian sid chroot with Asterisk 22, the module built against its
# headers, and Asterisk instances started from the configs/ samples.
#
# Run as root on Debian bookworm (or any Debian with mmdebstrap). Every step is idempotent.
#
#   contrib/sandbox.sh demo      the main job: set up, build, start Asterisk with the samples, show the module
#   contrib/sandbox.sh test      every test: set up, build, lint, unit tests, end-to-end tests, a bench smoke run
#   contrib/sandbox.sh setup     host packages, the chroot, the header copy
#   contrib/sandbox.sh build     build the module against the chroot's headers
#   contrib/sandbox.sh start NAME [--conf FILE] [--sip-port N] [--http-port N] [--ami-port N] [--module SO]
#                                [--bind ADDR] [--netns NS]
#                                start an Asterisk instance NAME (prints its pid)
#   contrib/sandbox.sh cli NAME COMMAND...    run a CLI command in instance NAME
#   contrib/sandbox.sh stop NAME              stop instance NAME
#   contrib/sandbox.sh restart NAME           stop and start instance NAME, keeping its state
#
# Environment: RDP_SANDBOX (default /var/lib/res-digium-phone) holds the chroot (sid/) and the header
# copy (include/); DEBIAN_MIRROR overrides the mirror read from apt's sources.
set -euo pipefail

SANDBOX=${RDP_SANDBOX:-/var/lib/res-digium-phone}
ROOT=$SANDBOX/sid
INCLUDE=$SANDBOX/include
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
MODDIR=/usr/lib/x86_64-linux-gnu/asterisk/modules
STOCK_CONFIGS="indications.conf pjsip_notify.conf ccss.conf cdr.conf cel.conf features.conf acl.conf udptl.conf pjproject.conf"
# curl, openssl and fail2ban are third-party clients of the tests (Digest and TLS HTTP, the security log).
HOST_PACKAGES=(mmdebstrap clang libclang-dev iproute2 curl openssl fail2ban python3-zeroconf shellcheck)
# Bump when the chroot's contents change, so existing sandboxes are rebuilt.
CHROOT_STAMP="v1 asterisk asterisk-dev asterisk-modules"

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'sandbox: %s\n' "$*" >&2; exit 1; }

need_root() { [ "$(id -u)" = 0 ] || die "run as root (it installs packages and uses chroot)"; }

mirror() {
    if [ -n "${DEBIAN_MIRROR:-}" ]; then echo "$DEBIAN_MIRROR"; return; fi
    local uri=""
    if [ -f /etc/apt/sources.list.d/debian.sources ]; then
        uri=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources)
    elif [ -f /etc/apt/sources.list ]; then
        uri=$(awk '$1 == "deb" && $2 !~ /security/ {print $2; exit}' /etc/apt/sources.list)
    fi
    echo "${uri:-http://deb.debian.org/debian}"
}

install_host_packages() {
    local missing=()
    for p in "${HOST_PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
    done
    [ ${#missing[@]} = 0 ] && return
    log "installing host packages: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

build_chroot() {
    if [ -f "$ROOT/.rdp-stamp" ] && [ "$(cat "$ROOT/.rdp-stamp")" = "$CHROOT_STAMP" ]; then return; fi
    log "building the Debian sid chroot with Asterisk in $ROOT"
    unmount_proc
    rm -rf "$ROOT"
    mkdir -p "$SANDBOX"
    mmdebstrap --quiet --variant=apt --aptopt='Acquire::Check-Valid-Until "false"' \
        --include=asterisk,asterisk-dev,asterisk-modules sid "$ROOT" "$(mirror)"
    echo "$CHROOT_STAMP" >"$ROOT/.rdp-stamp"
    rm -rf "$INCLUDE"
}

# Only asterisk.h and asterisk/ are copied: pointing bindgen at the chroot's /usr/include would put sid's
# libc headers in front of the host's and break the build.
copy_headers() {
    [ -f "$INCLUDE/asterisk.h" ] && return
    mkdir -p "$INCLUDE"
    cp -a "$ROOT/usr/include/asterisk.h" "$ROOT/usr/include/asterisk" "$INCLUDE/"
}

mount_proc() {
    mountpoint -q "$ROOT/proc" || mount -t proc proc "$ROOT/proc"
}

unmount_proc() {
    if [ -d "$ROOT/proc" ] && mountpoint -q "$ROOT/proc"; then umount -l "$ROOT/proc"; fi
}

cmd_setup() {
    need_root
    install_host_packages
    build_chroot
    copy_headers
    mount_proc
    mkdir -p "$ROOT/srv/rdp"
}

# Rust 1.85 or newer (edition 2024); Debian's rustc is older, so rustup's toolchain is used.
ensure_rust() {
    [ -x "$HOME/.cargo/bin/cargo" ] && export PATH="$HOME/.cargo/bin:$PATH"
    command -v cargo >/dev/null && return
    log "installing the Rust toolchain with rustup"
    curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs |
        sh -s -- -y --profile minimal --component rustfmt,clippy >/dev/null
    export PATH="$HOME/.cargo/bin:$PATH"
}

cargo_env() {
    ensure_rust
    export ASTERISK_INCLUDE_DIR=$INCLUDE
}

cmd_build() {
    cargo_env
    log "building the module against $INCLUDE"
    (cd "$REPO" && cargo build --release --quiet --workspace --lib --bins)
    install -m 0644 "$REPO/target/release/libres_digium_phone.so" "$ROOT$MODDIR/res_digium_phone.so"
    log "installed $MODDIR/res_digium_phone.so in the chroot"
}

# An instance is a directory /srv/rdp/NAME in the chroot with its own etc, run, log, lib, spool and
# modules directories, so several Asterisks can run side by side and a test can replace its module file.
instance_dir() { echo "/srv/rdp/$1"; }

cmd_start() {
    local name=${1:?instance name}; shift
    local conf="$REPO/configs/res_digium_phone.conf.sample" sip_port=5060 http_port=8088 ami_port=5038
    local so="$ROOT$MODDIR/res_digium_phone.so" bind=127.0.0.1 netns=""
    while [ $# -gt 0 ]; do
        case $1 in
            --conf) conf=$2; shift 2 ;;
            --sip-port) sip_port=$2; shift 2 ;;
            --http-port) http_port=$2; shift 2 ;;
            --ami-port) ami_port=$2; shift 2 ;;
            --module) so=$2; shift 2 ;;
            --bind) bind=$2; shift 2 ;;
            --netns) netns=$2; shift 2 ;;
            *) die "start: unknown option $1" ;;
        esac
    done
    mount_proc
    local dir; dir=$(instance_dir "$name")
    local host=$ROOT$dir
    cmd_stop "$name" >/dev/null 2>&1 || true
    rm -rf "$host"
    mkdir -p "$host"/{etc,run,log,lib,spool,modules,cache}
    local f
    for f in "$REPO"/configs/asterisk/*.conf; do
        sed -e "s|@DIR@|$dir|g" -e "s|@SIP_PORT@|$sip_port|g" -e "s|@HTTP_PORT@|$http_port|g" -e "s|@AMI_PORT@|$ami_port|g" \
            -e "s|@BIND@|$bind|g" \
            "$f" >"$host/etc/$(basename "$f")"
    done
    # Asterisk's own defaults for the core's files, so the log holds only what matters.
    for f in $STOCK_CONFIGS; do
        [ -e "$host/etc/$f" ] || cp "$ROOT/etc/asterisk/$f" "$host/etc/$f"
    done
    if [ -n "$conf" ]; then
        install -m 0640 "$conf" "$host/etc/res_digium_phone.conf"
        # Fixtures may #include their siblings.
        local sib
        for sib in "$(dirname "$conf")"/*.conf "$(dirname "$conf")"/*.inc; do
            [ -e "$sib" ] && [ "$sib" != "$conf" ] && [ ! -e "$host/etc/$(basename "$sib")" ] &&
                install -m 0640 "$sib" "$host/etc/$(basename "$sib")"
        done
    fi
    for f in "$ROOT$MODDIR"/*.so; do
        [ "$(basename "$f")" = res_digium_phone.so ] || ln -s "$MODDIR/$(basename "$f")" "$host/modules/"
    done
    [ -f "$so" ] || die "no module at $so: run 'contrib/sandbox.sh build' first"
    install -m 0644 "$so" "$host/modules/res_digium_phone.so"
    chroot "$ROOT" chown -R asterisk:asterisk "$dir"
    local in_ns=()
    [ -n "$netns" ] && in_ns=(ip netns exec "$netns") && echo "$netns" >"$host/netns"
    "${in_ns[@]}" chroot "$ROOT" asterisk -C "$dir/etc/asterisk.conf" -U asterisk -G asterisk </dev/null
    wait_booted "$name"
}

# Stops and starts instance NAME as it is (its astdb and files stay), in the same network namespace.
cmd_restart() {
    local name=${1:?instance name}
    local dir; dir=$(instance_dir "$name")
    local host=$ROOT$dir
    [ -d "$host" ] || die "no instance $name"
    local netns=""
    [ -f "$host/netns" ] && netns=$(cat "$host/netns")
    cmd_stop "$name"
    local in_ns=()
    [ -n "$netns" ] && in_ns=(ip netns exec "$netns")
    "${in_ns[@]}" chroot "$ROOT" asterisk -C "$dir/etc/asterisk.conf" -U asterisk -G asterisk </dev/null
    wait_booted "$name"
}

wait_booted() {
    local name=$1 dir host
    dir=$(instance_dir "$name")
    host=$ROOT$dir
    for _ in $(seq 1 100); do
        if chroot "$ROOT" asterisk -C "$dir/etc/asterisk.conf" -rx 'core waitfullybooted' >/dev/null 2>&1; then
            cat "$host/run/asterisk.pid"
            return 0
        fi
        sleep 0.1
    done
    die "instance $name did not boot; see $host/log/messages.log"
}

cmd_cli() {
    local name=${1:?instance name}; shift
    chroot "$ROOT" asterisk -C "$(instance_dir "$name")/etc/asterisk.conf" -rx "$*"
}

cmd_stop() {
    local name=${1:?instance name}
    local host; host=$ROOT$(instance_dir "$name")
    [ -f "$host/run/asterisk.pid" ] || return 0
    local pid; pid=$(cat "$host/run/asterisk.pid")
    cmd_cli "$name" 'core stop gracefully' >/dev/null 2>&1 || true
    for _ in $(seq 1 50); do
        kill -0 "$pid" 2>/dev/null || { rm -f "$host/run/asterisk.pid"; return 0; }
        sleep 0.1
    done
    kill -9 "$pid" 2>/dev/null || true
    rm -f "$host/run/asterisk.pid"
}

cmd_demo() {
    cmd_setup
    cmd_build
    log "starting Asterisk with configs/res_digium_phone.conf.sample (instance 'demo')"
    cmd_start demo >/dev/null
    local c
    for c in 'module show like res_digium_phone' 'digium_phones show version' 'digium_phones show phones' \
        'digium_phones show lines'; do
        printf '\n*CLI> %s\n' "$c"
        cmd_cli demo "$c"
    done
    printf '\n$ digium-phones phone --server sip:proxy@127.0.0.1:5060 --mac 000fd3010203 --model D70 --profile reception --pin 1234\n'
    "$REPO/target/release/digium-phones" phone --server sip:proxy@127.0.0.1:5060 --mac 000fd3010203 \
        --model D70 --profile reception --pin 1234
    printf '\n*CLI> digium_phones show sessions\n'
    cmd_cli demo 'digium_phones show sessions'
    printf '\nAsterisk keeps running: contrib/sandbox.sh cli demo "digium_phones show phones"; stop it with contrib/sandbox.sh stop demo\n'
}

# The offline tools must build where no Asterisk is installed: nothing they depend on may reach the
# module crate or bindgen, and they build with an environment that names no Asterisk headers.
check_tools_need_no_asterisk() {
    log "the tools build with no Asterisk headers"
    local deps
    deps=$(cd "$REPO" && cargo tree --quiet -p digium-phones -e normal,build --prefix none)
    if grep -E '^(res_digium_phone|bindgen|clang-sys) ' <<<"$deps"; then
        die "digium-phones depends on the module or on bindgen"
    fi
    (cd "$REPO" && env -i PATH="$PATH" HOME="$HOME" cargo build --quiet --release -p digium-phones)
}

cmd_test() {
    cmd_setup
    cmd_build
    cargo_env
    cd "$REPO"
    log "cargo fmt --check"
    cargo fmt --all -- --check
    log "shellcheck contrib/*.sh"
    shellcheck contrib/*.sh
    check_tools_need_no_asterisk
    log "cargo clippy"
    cargo clippy --quiet --workspace --all-targets -- -D warnings
    log "cargo test (unit and end-to-end against the sandbox Asterisk)"
    # --tests, not --all-targets: the module crate has no unit tests (its code runs only in Asterisk).
    RDP_SANDBOX=$SANDBOX cargo test --release --workspace --tests --benches
    log "benchmark smoke run (contrib/bench.sh smoke)"
    RDP_SANDBOX=$SANDBOX bash "$REPO/contrib/bench.sh" smoke
}

main() {
    local cmd=${1:-}
    [ -n "$cmd" ] || { sed -n '2,17p' "${BASH_SOURCE[0]}"; exit 2; }
    shift
    case $cmd in
        setup) cmd_setup ;;
        build) need_root; cmd_build ;;
        start) need_root; cmd_start "$@" ;;
        cli) need_root; cmd_cli "$@" ;;
        stop) need_root; cmd_stop "$@" ;;
        restart) need_root; cmd_restart "$@" ;;
        demo) cmd_demo ;;
        test) cmd_test ;;
        *) die "unknown command '$cmd'" ;;
    esac
}

main "$@"
