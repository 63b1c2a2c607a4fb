#!/usr/bin/env bash
# The res_digium_phone sandbox: real Asterisks of every supported major in chroots of their own, the
# module built against Asterisk's headers, and Asterisk instances started from the configs/ samples.
#
# Run as root on Debian bookworm (or any Debian with mmdebstrap). Every step is idempotent.
#
#   contrib/sandbox.sh demo      the main job: set up, build, start Asterisk with the samples, show the module
#   contrib/sandbox.sh test      every test: set up, build, lint, unit tests, end-to-end tests, a bench smoke run
#   contrib/sandbox.sh setup     host packages, the chroot of the selected Asterisk, the header copy
#   contrib/sandbox.sh build     build the module against the header copy and install it in the chroot
#   contrib/sandbox.sh start NAME [--conf FILE] [--sip-port N] [--http-port N] [--ami-port N] [--module SO]
#                                [--bind ADDR] [--netns NS]
#                                start an Asterisk instance NAME (prints its pid)
#   contrib/sandbox.sh cli NAME COMMAND...    run a CLI command in instance NAME
#   contrib/sandbox.sh stop NAME              stop instance NAME
#   contrib/sandbox.sh restart NAME           stop and start instance NAME, keeping its state
#   contrib/sandbox.sh root                   print the selected Asterisk's chroot
#   contrib/sandbox.sh check-abi [MAJOR...]   cargo check against the headers of each major (default: all)
#
# Every command takes --asterisk MAJOR (or RDP_ASTERISK=MAJOR) to choose the Asterisk: 22 (the default) is
# Debian sid's package; 18, 20, 21 and 23 are minimal builds of the releases in ASTERISK_RELEASES below,
# made by `setup --asterisk MAJOR` (about 4 minutes each on 2 cores, then cached).
#
# Environment:
#   RDP_SANDBOX (default /var/lib/res-digium-phone) holds the chroots (sid/, asterisk-MAJOR/), the header
#     copy (include/), the headers for check-abi (headers/) and downloaded sources (downloads/).
#   ASTERISK_SOURCE_CACHE: a directory with the release tarballs (asterisk-VERSION.tar.xz or .tar.gz,
#     pjproject-VERSION.tar.bz2); default ../shared/asterisk next to the checkout when it exists. A file
#     missing there is downloaded into downloads/: Asterisk from downloads.asterisk.org (checked against
#     the .sha256 published beside it), pjproject from where Asterisk's own build fetches it (checked by
#     that build against the md5 in Asterisk's tree). Not exercised in CI, which has no internet.
#   DEBIAN_MIRROR overrides the mirror read from apt's sources.
set -euo pipefail

SANDBOX=${RDP_SANDBOX:-/var/lib/res-digium-phone}
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SID_ROOT=$SANDBOX/sid
INCLUDE=$SANDBOX/include
MULTIARCH=x86_64-linux-gnu
MODDIR=/usr/lib/$MULTIARCH/asterisk/modules
STOCK_CONFIGS="indications.conf pjsip_notify.conf ccss.conf cdr.conf cel.conf features.conf acl.conf udptl.conf pjproject.conf"
# curl, openssl and fail2ban are third-party clients of the tests (Digest and TLS HTTP, the security log).
# procps: pgrep, with which `test` stops its background builds when it stops early.
HOST_PACKAGES=(mmdebstrap clang libclang-dev iproute2 curl openssl fail2ban python3-zeroconf shellcheck procps)
# The app-server tests speak AMI through a third-party client library from PyPI, in a venv of the sandbox.
HOST_PACKAGES+=(python3-venv)
APP_SERVER_VENV=$SANDBOX/venv
APP_SERVER_PIP=(panoramisk==1.4)
# A real SIP user agent (headless baresip) for the voicemail and recording tests.
HOST_PACKAGES+=(baresip-core)
# Bump when the chroot's contents change, so existing sandboxes are rebuilt.
CHROOT_STAMP="v1 asterisk asterisk-dev asterisk-modules"

# The Asterisk majors: the release each one stands for. 22 is the Debian sid package (its release is
# what sid ships); the others are built from these releases.
declare -A ASTERISK_RELEASES=([18]=18.26.4 [20]=20.20.1 [21]=21.12.3 [22]=22.10.1 [23]=23.4.1)
PACKAGED_MAJOR=22
# md5s of the files in ../shared/asterisk (its README): a cached file must match.
declare -A SOURCE_MD5=(
    [asterisk-18.26.4.tar.xz]=0a8c33517004d9c67c1c9df7e8ed5791
    [asterisk-20.20.1.tar.xz]=dae70308f8a2e2815290b89a7d9c80db
    [asterisk-21.12.3.tar.xz]=810ec93dd9fad95d16072157c1c9419f
    [asterisk-22.10.1.tar.xz]=586aef56fde9fac4dc217907caa9f659
    [asterisk-23.4.1.tar.xz]=b86261c00992c3373e0790cef3cf4e43
    [pjproject-2.17.tar.bz2]=baacc87418a95107657039269bc71538
    [pjproject-2.15.1.tar.bz2]=61d476cb3d1297c5ad29676ff9f4bab3
)
if [ -n "${ASTERISK_SOURCE_CACHE:-}" ]; then
    SOURCE_CACHE=$ASTERISK_SOURCE_CACHE
elif [ -d "$REPO/../shared/asterisk" ]; then
    SOURCE_CACHE=$(cd "$REPO/../shared/asterisk" && pwd)
else
    SOURCE_CACHE=""
fi
DOWNLOADS=$SANDBOX/downloads

# Set by select_asterisk from --asterisk / RDP_ASTERISK: the major, its release and its chroot;
# ASTERISK_CHOSEN when one was named.
MAJOR="" RELEASE="" ROOT="" ASTERISK_CHOSEN=""

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

# The chroot of the packaged major: Debian sid with its asterisk packages. Its headers are the ones the
# module is built against, whichever major runs it.
build_chroot() {
    if [ -f "$SID_ROOT/.rdp-stamp" ] && [ "$(cat "$SID_ROOT/.rdp-stamp")" = "$CHROOT_STAMP" ]; then return; fi
    log "building the Debian sid chroot with Asterisk in $SID_ROOT"
    unmount_proc "$SID_ROOT"
    rm -rf "$SID_ROOT"
    mkdir -p "$SANDBOX"
    mmdebstrap --quiet --variant=apt --aptopt='Acquire::Check-Valid-Until "false"' \
        --include=asterisk,asterisk-dev,asterisk-modules sid "$SID_ROOT" "$(mirror)"
    echo "$CHROOT_STAMP" >"$SID_ROOT/.rdp-stamp"
    rm -rf "$INCLUDE"
}

# Only asterisk.h and asterisk/ are copied: pointing bindgen at the chroot's /usr/include would put sid's
# libc headers in front of the host's and break the build.
copy_headers() {
    [ -f "$INCLUDE/asterisk.h" ] && return
    mkdir -p "$INCLUDE"
    cp -a "$SID_ROOT/usr/include/asterisk.h" "$SID_ROOT/usr/include/asterisk" "$INCLUDE/"
}

# mount_proc [ROOT] / unmount_proc [ROOT]: the selected chroot unless told otherwise.
mount_proc() {
    local root=${1:-$ROOT}
    mountpoint -q "$root/proc" || mount -t proc proc "$root/proc"
}

unmount_proc() {
    local root=${1:-$ROOT}
    if [ -d "$root/proc" ] && mountpoint -q "$root/proc"; then umount -l "$root/proc"; fi
}

# The venv the app-server tests run tests/support/app_server.py in (RDP_APP_SERVER_PYTHON names it).
install_app_server_client() {
    [ -x "$APP_SERVER_VENV/bin/python" ] || python3 -m venv "$APP_SERVER_VENV"
    "$APP_SERVER_VENV/bin/python" -c 'import panoramisk' 2>/dev/null && return
    log "installing ${APP_SERVER_PIP[*]} into $APP_SERVER_VENV"
    "$APP_SERVER_VENV/bin/pip" install --quiet "${APP_SERVER_PIP[@]}"
}

cmd_setup() {
    need_root
    install_host_packages
    install_app_server_client
    build_chroot
    copy_headers
    [ "$MAJOR" = "$PACKAGED_MAJOR" ] || build_source_root
    mount_proc
    mkdir -p "$ROOT/srv/rdp"
}

select_asterisk() {
    MAJOR=$1
    RELEASE=""
    [ -n "$MAJOR" ] && RELEASE=${ASTERISK_RELEASES[$MAJOR]:-}
    [ -n "$RELEASE" ] || die "unknown Asterisk major '$MAJOR' (known: $(known_majors))"
    if [ "$MAJOR" = "$PACKAGED_MAJOR" ]; then ROOT=$SID_ROOT; else ROOT=$SANDBOX/asterisk-$MAJOR; fi
    # Whatever this runs (cargo test, contrib/bench.sh, this script again) works on the same major.
    export RDP_ASTERISK=$MAJOR
}

known_majors() { printf '%s\n' "${!ASTERISK_RELEASES[@]}" | sort -n | xargs; }

need_chroot() {
    [ -f "$ROOT/.rdp-stamp" ] || die "no Asterisk $MAJOR at $ROOT: run 'contrib/sandbox.sh setup --asterisk $MAJOR' first"
}

# ---- Minimal Asterisk builds from the release sources ----
#
# They are built inside a chroot of the host's Debian release (not on the host): the host gets no -dev
# packages and no Asterisk of its own, the build sees only Debian's libraries, and the result is a root
# like the sid one, so instances, `cli` and the test harness treat every major the same way. The host's
# release, not sid, because its compiler builds the older releases without new warnings (dev mode
# compiles with -Werror) and its glibc is the one the module is built with.

# What the build needs (configure insists on a download tool even when the cache has pjproject), plus
# what the tests run: Debian's sound files, as sid has them (the source build installs none;
# asterisk-core-sounds-en makes sounds/en point at them).
BASE_PACKAGES=(build-essential pkg-config libedit-dev libjansson-dev libxml2-dev libsqlite3-dev uuid-dev
    libssl-dev bzip2 xz-utils patch curl passwd asterisk-core-sounds-en asterisk-core-sounds-en-gsm
    asterisk-moh-opsound-gsm)

# The modules a minimal build has: what configs/asterisk/modules.conf and the tests load, the
# applications the module serves (voicemail, parking, queues, recording, conferences, pickup, spying),
# and what their dialplans use. A module a release does not have (app_macro after 20) is left out and
# said so; every other one must be built.
ASTERISK_MODULES=(
    # PJSIP and the media a call needs
    res_pjproject res_pjsip res_pjsip_session chan_pjsip res_pjsip_sdp_rtp res_rtp_asterisk
    res_pjsip_registrar res_pjsip_endpoint_identifier_user res_pjsip_endpoint_identifier_ip
    res_pjsip_authenticator_digest res_pjsip_outbound_authenticator_digest res_pjsip_caller_id
    res_pjsip_refer res_pjsip_nat res_pjsip_header_funcs res_pjsip_logger res_pjsip_messaging
    res_pjsip_notify res_pjsip_outbound_publish res_pjsip_diversion res_pjsip_send_to_voicemail
    res_pjsip_one_touch_record_info res_pjsip_dtmf_info
    # subscriptions and presence
    res_pjsip_pubsub res_pjsip_exten_state res_pjsip_pidf_body_generator
    res_pjsip_pidf_digium_body_supplement res_pjsip_dialog_info_body_generator res_pjsip_mwi
    res_pjsip_mwi_body_generator func_presencestate func_devstate
    # configuration storage
    res_sorcery_config res_sorcery_memory res_sorcery_astdb res_sorcery_realtime res_sorcery_memory_cache
    # dialplan
    pbx_config app_dial app_playback app_echo app_exec app_stack app_verbose app_senddtmf app_sendtext
    app_originate app_record app_read app_userevent app_macro func_cut func_strings func_callerid
    func_channel func_db func_global func_logic func_math func_uri func_base64 func_sprintf
    func_pjsip_endpoint func_pjsip_aor func_pjsip_contact func_env app_page app_sayunixtime
    app_authenticate res_manager_presencestate res_manager_devicestate
    # the applications and what they stand on
    app_voicemail app_queue app_mixmonitor app_confbridge res_parking app_chanspy app_directed_pickup
    res_musiconhold res_timing_timerfd res_security_log res_phoneprov res_pjsip_phoneprov_provider
    bridge_simple bridge_softmix bridge_native_rtp bridge_holding bridge_builtin_features
    bridge_builtin_interval_features chan_bridge_media
    # codecs and formats for playback and recording
    codec_ulaw codec_alaw codec_a_mu codec_gsm codec_resample format_wav format_gsm format_pcm
    format_wav_gsm format_sln
)
# The compile-time options: Debian's (OPTIONAL_API, TEST_FRAMEWORK), so a module built against sid's
# headers carries the same buildopt sum; --enable-dev-mode is what offers TEST_FRAMEWORK. DONT_OPTIMIZE
# (-O0, pjproject too) halves the build (23.4.1 on 2 cores: 177 s of compiling, 225 s in all) and is
# not in the buildopt sum (build_tools/make_buildopts_h leaves it out in every major).
ASTERISK_CFLAGS=(OPTIONAL_API TEST_FRAMEWORK DONT_OPTIMIZE)
CONFIGURE_FLAGS=(--prefix=/usr --sysconfdir=/etc --localstatedir=/var "--libdir=/usr/lib/$MULTIARCH"
    --enable-dev-mode --with-pjproject-bundled --with-download-cache=/usr/src/downloads
    --without-libjwt-bundled --disable-xmldoc)
# Debian's data directory, which configs/asterisk/asterisk.conf names (a source build defaults to /var/lib).
MAKE_VARS=(ASTDATADIR=/usr/share/asterisk)
ASTERISK_DOWNLOADS=https://downloads.asterisk.org/pub/telephony/asterisk
PJPROJECT_DOWNLOADS=https://raw.githubusercontent.com/asterisk/third-party/master/pjproject

host_codename() {
    local codename
    codename=$(sed -n "s/^VERSION_CODENAME=//p" /etc/os-release)
    [ -n "$codename" ] || die "cannot tell the host's Debian release from /etc/os-release"
    echo "$codename"
}

elapsed() { echo "$(($(date +%s) - $1)) s"; }

# source_file NAME: the path of NAME.tar.{xz,gz,bz2} from the cache, else from earlier downloads, else
# downloaded now.
source_file() {
    local name=$1 dir ext f want
    for dir in "$SOURCE_CACHE" "$DOWNLOADS"; do
        [ -n "$dir" ] || continue
        for ext in tar.xz tar.gz tar.bz2; do
            f=$dir/$name.$ext
            [ -f "$f" ] || continue
            want=${SOURCE_MD5[$name.$ext]:-}
            if [ "$dir" = "$SOURCE_CACHE" ] && [ -n "$want" ] && [ "$(md5 "$f")" != "$want" ]; then
                die "$f does not have the md5 $want its README lists"
            fi
            echo "$f"
            return
        done
    done
    case $name in
        asterisk-*) download_asterisk "$name" ;;
        pjproject-*) download_pjproject "$name" ;;
    esac
}

md5() { md5sum "$1" | cut -d' ' -f1; }

# The official tarball: current releases sit at the top of the download site, older ones in releases/.
download_asterisk() {
    local name=$1 base
    mkdir -p "$DOWNLOADS"
    for base in "$ASTERISK_DOWNLOADS" "$ASTERISK_DOWNLOADS/releases"; do
        log "downloading $base/$name.tar.gz"
        curl -fsSL -o "$DOWNLOADS/$name.tar.gz.part" "$base/$name.tar.gz" || continue
        if curl -fsSL -o "$DOWNLOADS/$name.sha256" "$base/$name.sha256"; then
            (cd "$DOWNLOADS" && sed "s|  .*|  $name.tar.gz.part|" "$name.sha256" | sha256sum -c --quiet) ||
                die "$name.tar.gz does not match $base/$name.sha256"
        else
            log "no $name.sha256 beside it: relying on HTTPS and the archive's own checks"
        fi
        mv "$DOWNLOADS/$name.tar.gz.part" "$DOWNLOADS/$name.tar.gz"
        echo "$DOWNLOADS/$name.tar.gz"
        return
    done
    rm -f "$DOWNLOADS/$name.tar.gz.part"
    die "$name is neither in the source cache (${SOURCE_CACHE:-none}, ASTERISK_SOURCE_CACHE) nor downloadable"
}

# Where Asterisk's own build would fetch it; the build checks it against the md5 in its tree.
download_pjproject() {
    local name=$1 version=${1#pjproject-}
    mkdir -p "$DOWNLOADS"
    log "downloading $PJPROJECT_DOWNLOADS/$version/$name.tar.bz2"
    curl -fsSL -o "$DOWNLOADS/$name.tar.bz2.part" "$PJPROJECT_DOWNLOADS/$version/$name.tar.bz2" ||
        die "$name is neither in the source cache (${SOURCE_CACHE:-none}) nor downloadable"
    mv "$DOWNLOADS/$name.tar.bz2.part" "$DOWNLOADS/$name.tar.bz2"
    echo "$DOWNLOADS/$name.tar.bz2"
}

# A tarball of a chroot with BASE_PACKAGES, made once and unpacked for every build root.
BASE_TAR=""
build_base() {
    local codename stamp
    codename=$(host_codename)
    BASE_TAR=$SANDBOX/base-$codename.tar
    stamp="v1 $codename ${BASE_PACKAGES[*]}"
    if [ -f "$BASE_TAR" ] && [ "$(cat "$BASE_TAR.stamp" 2>/dev/null)" = "$stamp" ]; then return; fi
    local t0; t0=$(date +%s)
    log "building the $codename build chroot (${BASE_PACKAGES[*]})"
    mkdir -p "$SANDBOX"
    rm -f "$BASE_TAR" "$BASE_TAR.stamp"
    mmdebstrap --quiet --variant=apt --format=tar --include="$(IFS=,; echo "${BASE_PACKAGES[*]}")" \
        "$codename" "$BASE_TAR.part" "$(mirror)"
    mv "$BASE_TAR.part" "$BASE_TAR"
    echo "$stamp" >"$BASE_TAR.stamp"
    log "build chroot ready in $(elapsed "$t0")"
}

# fresh_root DIR: DIR becomes a new copy of the build chroot.
fresh_root() {
    local root=$1
    unmount_proc "$root"
    rm -rf "$root"
    mkdir -p "$root"
    tar -C "$root" -xpf "$BASE_TAR"
}

# in_root ROOT LOG SCRIPT: runs SCRIPT with sh in ROOT, with a clean environment, appending to LOG.
in_root() {
    local root=$1 logfile=$2 script=$3
    chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 \
        sh -ec "$script" >>"$logfile" 2>&1 ||
        { tail -n 30 "$logfile" >&2; die "failed in $root; the whole log is $logfile"; }
}

# configure_tree ROOT RELEASE LOG: unpacks Asterisk RELEASE into ROOT's /usr/src/asterisk-RELEASE,
# configured with ASTERISK_CFLAGS and the modules of ASTERISK_MODULES that it has.
configure_tree() {
    local root=$1 release=$2 logfile=$3
    local src=/usr/src/asterisk-$release ast pj pjv
    ast=$(source_file "asterisk-$release")
    mkdir -p "$root/usr/src/downloads"
    tar -C "$root/usr/src" -xf "$ast"
    [ -f "$root$src/configure" ] || die "$ast does not unpack to asterisk-$release/"
    pjv=$(sed -n 's/^PJPROJECT_VERSION=//p' "$root$src/third-party/versions.mak")
    pj=$(source_file "pjproject-$pjv")
    cp "$pj" "$root/usr/src/downloads/"
    # The cache's pjproject 2.15.1 was packed differently from the official one: the tree's md5 then
    # names the cached file's (its README says so); a downloaded one is checked against the tree's.
    if [ "${pj%/*}" = "$SOURCE_CACHE" ]; then
        echo "$(md5 "$pj")  pjproject-$pjv.tar.bz2" >"$root$src/third-party/pjproject/pjproject-$pjv.tar.bz2.md5"
    fi
    local t0; t0=$(date +%s)
    in_root "$root" "$logfile" "cd $src && ./configure ${CONFIGURE_FLAGS[*]} && make menuselect.makeopts"
    local m enable=() absent=()
    for m in "${ASTERISK_CFLAGS[@]}" "${ASTERISK_MODULES[@]}"; do
        if grep -q "<member name=\"$m\"" "$root$src/menuselect-tree"; then enable+=(--enable "$m"); else absent+=("$m"); fi
    done
    [ ${#absent[@]} = 0 ] || log "asterisk $release has no ${absent[*]}: left out"
    in_root "$root" "$logfile" "cd $src && menuselect/menuselect --disable-all ${enable[*]} menuselect.makeopts"
    log "asterisk $release configured in $(elapsed "$t0")"
}

# The buildopt sum of the headers in DIR (asterisk/buildopts.h).
buildopt_sum() { sed -n 's/^#define AST_BUILDOPT_SUM "\(.*\)"/\1/p' "$1/asterisk/buildopts.h"; }

# What a source-built root records of its making, from the Asterisk tarball TAR.
source_root_stamp() { echo "v1 $(md5 "$1") | ${BASE_PACKAGES[*]} | ${ASTERISK_CFLAGS[*]} ${ASTERISK_MODULES[*]}"; }

# The chroot of a major built from source: the build chroot with Asterisk installed under Debian's
# paths and an asterisk user. Rebuilt when the sources, the packages or the module list change.
build_source_root() {
    build_base
    local ast stamp
    ast=$(source_file "asterisk-$RELEASE")
    stamp=$(source_root_stamp "$ast")
    if [ -f "$ROOT/.rdp-stamp" ] && [ "$(cat "$ROOT/.rdp-stamp")" = "$stamp" ]; then return; fi
    local t0 logfile=$SANDBOX/asterisk-$MAJOR.log src=/usr/src/asterisk-$RELEASE
    t0=$(date +%s)
    log "building Asterisk $RELEASE in $ROOT (log: $logfile)"
    : >"$logfile"
    fresh_root "$ROOT"
    mount_proc "$ROOT"
    configure_tree "$ROOT" "$RELEASE" "$logfile"
    local t1; t1=$(date +%s)
    in_root "$ROOT" "$logfile" "cd $src && make -j$(nproc) ${MAKE_VARS[*]}"
    log "asterisk $RELEASE compiled in $(elapsed "$t1")"
    t1=$(date +%s)
    in_root "$ROOT" "$logfile" "cd $src && make install install-headers samples ${MAKE_VARS[*]}
        id asterisk >/dev/null 2>&1 || useradd --system --user-group --home-dir /var/lib/asterisk --shell /usr/sbin/nologin asterisk"
    log "asterisk $RELEASE installed in $(elapsed "$t1")"
    local m missing=()
    for m in "${ASTERISK_MODULES[@]}"; do
        grep -q "<member name=\"$m\"" "$ROOT$src/menuselect-tree" || continue
        [ -f "$ROOT$MODDIR/$m.so" ] || missing+=("$m")
    done
    [ ${#missing[@]} = 0 ] || die "asterisk $RELEASE built without ${missing[*]} (a missing dependency? see $logfile)"
    local sum want=""
    sum=$(buildopt_sum "$ROOT/usr/include")
    [ -f "$INCLUDE/asterisk/buildopts.h" ] && want=$(buildopt_sum "$INCLUDE")
    if [ -n "$want" ] && [ "$sum" != "$want" ]; then
        die "asterisk $RELEASE has buildopt sum $sum, the module's headers $want: it would refuse the module"
    fi
    rm -rf "${ROOT:?}$src" "$ROOT/usr/src/downloads"
    echo "$stamp" >"$ROOT/.rdp-stamp"
    log "Asterisk $RELEASE ready in $ROOT in $(elapsed "$t0") (buildopt sum $sum)"
}

# ---- The compile check against every major's headers ----

# headers_for MAJOR: a directory with asterisk.h and asterisk/ as the release's configure and menuselect
# leave them (buildopts.h included): copied from the major's root when `setup` built it, else made in a
# scratch copy of the build chroot; cached.
headers_for() {
    # The packaged major's headers are the ones the module is built against.
    if [ "$1" = "$PACKAGED_MAJOR" ]; then echo "$INCLUDE"; return; fi
    local release=${ASTERISK_RELEASES[$1]} dir ast stamp
    dir=$SANDBOX/headers/asterisk-$release
    ast=$(source_file "asterisk-$release")
    stamp="v1 $(md5 "$ast") | ${BASE_PACKAGES[*]} | ${ASTERISK_CFLAGS[*]}"
    if [ -f "$dir/.rdp-stamp" ] && [ "$(cat "$dir/.rdp-stamp")" = "$stamp" ]; then echo "$dir"; return; fi
    mkdir -p "$SANDBOX/headers"
    # A major that `setup` built from the same tarball and options has installed exactly these headers.
    local root=$SANDBOX/asterisk-$1
    if [ "$1" != "$PACKAGED_MAJOR" ] && [ "$(cat "$root/.rdp-stamp" 2>/dev/null)" = "$(source_root_stamp "$ast")" ]; then
        rm -rf "$dir"
        mkdir -p "$dir"
        cp -a "$root/usr/include/asterisk.h" "$root/usr/include/asterisk" "$dir/"
        echo "$stamp" >"$dir/.rdp-stamp"
        log "headers of asterisk $release taken from $root"
        echo "$dir"
        return
    fi
    local builder=$SANDBOX/builder logfile=$SANDBOX/headers/asterisk-$release.log t0
    t0=$(date +%s)
    : >"$logfile"
    if [ "$(cat "$builder/.rdp-base" 2>/dev/null)" != "$(cat "$BASE_TAR.stamp")" ]; then
        fresh_root "$builder"
        cp "$BASE_TAR.stamp" "$builder/.rdp-base"
    fi
    rm -rf "$builder/usr/src/asterisk-$release" "$builder/usr/src/downloads"
    mount_proc "$builder"
    configure_tree "$builder" "$release" "$logfile"
    in_root "$builder" "$logfile" "cd /usr/src/asterisk-$release && make include/asterisk/buildopts.h"
    rm -rf "$dir"
    mkdir -p "$dir"
    cp -a "$builder/usr/src/asterisk-$release/include/asterisk.h" "$builder/usr/src/asterisk-$release/include/asterisk" "$dir/"
    rm -rf "$builder/usr/src/asterisk-$release" "$builder/usr/src/downloads"
    unmount_proc "$builder"
    echo "$stamp" >"$dir/.rdp-stamp"
    log "headers of asterisk $release ready in $(elapsed "$t0")"
    echo "$dir"
}

# cargo check of the library against each major's headers: the ABI pins of src/ffi/abi.rs fail the
# build for a major whose layouts or prototypes differ from what the module relies on.
cmd_check_abi() {
    local majors=("$@") m
    [ ${#majors[@]} -gt 0 ] || read -ra majors <<<"$(known_majors)"
    for m in "${majors[@]}"; do
        [ -n "${ASTERISK_RELEASES[$m]:-}" ] || die "unknown Asterisk major '$m' (known: $(known_majors))"
    done
    install_host_packages
    build_base
    local dirs=()
    for m in "${majors[@]}"; do dirs+=("$(headers_for "$m")"); done
    ensure_rust
    local i failed=() t0 out
    for i in "${!majors[@]}"; do
        m=${majors[$i]}
        t0=$(date +%s)
        if out=$(cd "$REPO" && ASTERISK_INCLUDE_DIR=${dirs[$i]} cargo check --lib --color never 2>&1); then
            log "asterisk ${ASTERISK_RELEASES[$m]}: ABI pins hold (cargo check $(elapsed "$t0"))"
        else
            log "asterisk ${ASTERISK_RELEASES[$m]}: cargo check FAILED ($(elapsed "$t0")):"
            printf '%s\n' "$out" >&2
            failed+=("$m")
        fi
    done
    [ ${#failed[@]} = 0 ] || die "the module's ABI does not hold for Asterisk ${failed[*]}"
    check_imports_pinned
    log "the ABI pins hold for Asterisk ${majors[*]}"
}

# Every Asterisk symbol the built module imports has its prototype (or, for a variable, its type)
# pinned in src/ffi/abi.rs, so a function added later cannot escape the pins.
check_imports_pinned() {
    local so=$REPO/target/release/libres_digium_phone.so imported missing=()
    [ -f "$so" ] || (cd "$REPO" && cargo build --quiet --release -p res_digium_phone)
    imported=$(nm -D --undefined-only "$so" | awk '$2 !~ /@/ {print $2}' |
        grep -E '^_{0,2}(ast|ao2|astman|stasis|option_|pbx)' || true)
    local name
    for name in $imported; do
        grep -qE "^\s+$name:|sys::$name;" "$REPO/src/ffi/abi.rs" || missing+=("$name")
    done
    [ ${#missing[@]} = 0 ] || die "imported from Asterisk but not pinned in src/ffi/abi.rs: ${missing[*]}"
    log "all $(wc -w <<<"$imported") Asterisk symbols the module imports are pinned"
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
    need_chroot
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
    need_chroot
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

# What CI proves on each major besides the packaged one: the whole end-to-end suite on the oldest
# maintained major, a smoke run (load, reload with a broken section, provisioning, presence,
# unload/load) on the others. Every major gets the ABI compile check.
FULL_SUITE_MAJORS=(20)
SMOKE_MAJORS=(18 21 23)
SMOKE_TESTS=(
    foundation::module_runs_and_reports_its_version
    foundation::in_process_tests_pass_in_asterisks_test_framework
    foundation::reload_with_a_broken_section_keeps_its_last_good_definition
    foundation::twenty_unload_load_cycles
    provision::pin_authentication
    provision::stock_phones_fetch_mac_cfg_over_http
    presence::a_status_reaches_presence_state_hints_and_watchers
    app_bridge::unload_with_app_servers_connected_and_requests_waiting
)

# `test` builds the source majors in the background while the packaged major's checks and tests
# run: those wait on Asterisk and the network more than on the CPU, and the builds (niced, so the
# foreground comes first) take their idle time. On a fresh 2-core machine that is most of the
# builds' time.
SOURCE_BUILDS=""
build_source_majors_in_background() {
    local logfile=$SANDBOX/source-builds.log
    mkdir -p "$SANDBOX"
    log "building Asterisk ${FULL_SUITE_MAJORS[*]} ${SMOKE_MAJORS[*]} from source in the background (log: $logfile)"
    (
        renice -n 10 -p "$BASHPID" >/dev/null
        for m in "${FULL_SUITE_MAJORS[@]}" "${SMOKE_MAJORS[@]}"; do
            select_asterisk "$m"
            build_source_root
        done
    ) >"$logfile" 2>&1 &
    SOURCE_BUILDS=$!
    trap stop_source_builds EXIT
}

# Waits for the background builds; their log goes to stderr either way.
wait_source_builds() {
    [ -n "$SOURCE_BUILDS" ] || return 0
    local status=0
    wait "$SOURCE_BUILDS" || status=$?
    SOURCE_BUILDS=""
    cat "$SANDBOX/source-builds.log" >&2
    [ "$status" = 0 ] || die "a source build failed (its log is above)"
}

# A run that stops early stops the builds too (the whole process tree: make and the compilers).
stop_source_builds() {
    [ -n "$SOURCE_BUILDS" ] || return 0
    kill_tree "$SOURCE_BUILDS"
}

kill_tree() {
    local child
    for child in $(pgrep -P "$1"); do kill_tree "$child"; done
    kill "$1" 2>/dev/null || true
}

# The end-to-end tests against Asterisk MAJOR (all of them, or those named).
e2e_on() {
    local major=$1; shift
    select_asterisk "$major"
    cmd_setup
    log "end-to-end tests against Asterisk $RELEASE${1:+ (smoke: $# tests)}"
    (cd "$REPO" && RDP_SANDBOX=$SANDBOX cargo test --quiet --release -p res_digium_phone --test e2e \
        -- --exact "$@")
}

cmd_test() {
    local chosen=$MAJOR
    cmd_setup
    [ -n "$ASTERISK_CHOSEN" ] || build_source_majors_in_background
    cmd_build
    cargo_env
    cd "$REPO"
    if [ -n "$ASTERISK_CHOSEN" ]; then
        # `test --asterisk N`: the end-to-end suite against that major alone.
        e2e_on "$chosen"
        return
    fi
    log "cargo fmt --check"
    cargo fmt --all -- --check
    log "shellcheck contrib/*.sh"
    shellcheck contrib/*.sh
    check_tools_need_no_asterisk
    log "cargo clippy"
    cargo clippy --quiet --workspace --all-targets -- -D warnings
    log "cargo test (unit and end-to-end against Asterisk $RELEASE)"
    # --tests, not --all-targets: the module crate has no unit tests (its code runs only in Asterisk).
    RDP_SANDBOX=$SANDBOX cargo test --release --workspace --tests --benches
    log "benchmark smoke run (contrib/bench.sh smoke)"
    RDP_SANDBOX=$SANDBOX bash "$REPO/contrib/bench.sh" smoke
    local m
    wait_source_builds
    for m in "${FULL_SUITE_MAJORS[@]}"; do e2e_on "$m"; done
    for m in "${SMOKE_MAJORS[@]}"; do e2e_on "$m" "${SMOKE_TESTS[@]}"; done
    # After the majors are built: their installed headers are the ones to check against (no
    # configure of each release again).
    cmd_check_abi
    select_asterisk "$chosen"
    log "every test passed"
}

main() {
    # --asterisk MAJOR may stand anywhere (a CLI command never contains it); the one place the major
    # is chosen.
    local major=${RDP_ASTERISK:-$PACKAGED_MAJOR} args=()
    [ -z "${RDP_ASTERISK:-}" ] || ASTERISK_CHOSEN=1
    while [ $# -gt 0 ]; do
        case $1 in
            --asterisk) major=${2:?--asterisk needs a major}; ASTERISK_CHOSEN=1; shift 2 ;;
            --asterisk=*) major=${1#*=}; ASTERISK_CHOSEN=1; shift ;;
            *) args+=("$1"); shift ;;
        esac
    done
    set -- "${args[@]+"${args[@]}"}"
    local cmd=${1:-}
    [ -n "$cmd" ] || { sed -n '2,/^set -euo/{/^set -euo/d;p}' "${BASH_SOURCE[0]}"; exit 2; }
    shift
    select_asterisk "$major"
    case $cmd in
        setup) cmd_setup ;;
        build) need_root; cmd_build ;;
        start) need_root; cmd_start "$@" ;;
        cli) need_root; cmd_cli "$@" ;;
        stop) need_root; cmd_stop "$@" ;;
        restart) need_root; cmd_restart "$@" ;;
        root) echo "$ROOT" ;;
        check-abi) need_root; cmd_check_abi "$@" ;;
        demo) cmd_demo ;;
        test) cmd_test ;;
        *) die "unknown command '$cmd'" ;;
    esac
}

main "$@"
