#!/usr/bin/env python3
"""The tables of docs/benchmarks.md, from the raw lines contrib/bench.sh collects.

    bench_report.py criterion          criterion's output on stdin -> `criterion name=... mid_ns=...`
    bench_report.py report RAW [OLD]   the Markdown document; OLD's analysis section is kept, and
                                       OLD's own figures become its "Previous run" section
    bench_report.py check RAW          exit 1 unless every phone of every storm provisioned, every
                                       reload succeeded with no probe lost, and every figure is there

Raw lines are `kind key=value ...` (values may be quoted, as bash's printf %q and Rust's {:?} write
them).
"""
import re
import shlex
import statistics
import sys

MODES = ("floor", "ours", "phoneprov")
UNITS_NS = {"ps": 1e-3, "ns": 1.0, "µs": 1e3, "us": 1e3, "ms": 1e6, "s": 1e9}
ANALYSIS = re.compile(r"<!-- analysis -->\n.*?<!-- /analysis -->\n", re.S)
PREVIOUS = re.compile(r"<!-- previous -->\n.*?<!-- /previous -->\n", re.S)
# The sections of a report whose figures the next report keeps: (heading, heading there).
KEPT = (("## Boot storm", "### Boot storm"), ("## Reload", "### Reload"), ("## Targets", "### Targets"))

TARGETS = [
    # (name, figure, test, wanted)
    ("0 failures at the largest N", "failures", lambda v: v == 0, "0"),
    ("ours_vs_floor", "ours_vs_floor", lambda v: v <= 1.3, "≤ 1.3"),
    ("ours_vs_phoneprov", "ours_vs_phoneprov", lambda v: v >= 1.0, "≥ 1.0"),
    ("render per phone", "render_us", lambda v: v <= 20, "≤ 20 µs"),
    ("10k-phone reload, module's time", "reload10k_module_ms", lambda v: v < 250, "< 250 ms"),
    ("message thread stalled by it", "stall_ms", lambda v: v <= 10, "≤ 10 ms"),
    ("module's probe stalled by it", "probe_stall_ms", lambda v: v <= 10, "≤ 10 ms"),
    ("RSS for 10k phones", "rss_10k_mb", lambda v: v < 20, "< 20 MB"),
    ("model per phone (core)", "model_kib", lambda v: v <= 2, "≤ 2 KiB"),
]


def records(path):
    with open(path, encoding="utf-8") as f:
        for line in f:
            words = shlex.split(line)
            if words:
                yield words[0], dict(w.split("=", 1) for w in words[1:] if "=" in w)


def criterion_lines(text):
    name = None
    for line in text.splitlines():
        m = re.match(r"^(\S+)\s+time:\s+\[(.*)\]", line)
        if not m and re.match(r"^\S+/\S+\s*$", line):
            name = line.strip()
            continue
        if not m:
            m2 = re.match(r"^\s+time:\s+\[(.*)\]", line)
            if not (m2 and name):
                continue
            bench, values = name, m2.group(1)
        else:
            bench, values = m.group(1), m.group(2)
        parts = values.split()
        ns = [float(parts[i]) * UNITS_NS[parts[i + 1]] for i in (0, 2, 4)]
        print(f"criterion name={bench} low_ns={ns[0]:.0f} mid_ns={ns[1]:.0f} high_ns={ns[2]:.0f}")


def num(r, key):
    value = r.get(key, "-")
    return float(value) if value not in ("-", "lost") else float("nan")


def values(rows, key):
    """KEY's numbers in ROWS, those missing or lost left out."""
    return [v for v in (num(r, key) for r in rows) if v == v]


def median(rows, key):
    found = values(rows, key)
    return statistics.median(found) if found else float("nan")


def spread(found, digits=2):
    """`min / median / max` of numbers, for one table cell."""
    found = [v for v in found if v == v]
    if not found:
        return "n/a"
    return " / ".join(fmt(v, digits) for v in (min(found), statistics.median(found), max(found)))


def collect(path):
    data = {"machine": {}, "storm": {}, "reload": {}, "criterion": {}, "memory": {}}
    for kind, r in records(path):
        if kind == "machine":
            data["machine"] = r
        elif kind == "storm":
            data["storm"].setdefault((r["mode"], int(r["phones"])), []).append(r)
        elif kind == "reload":
            data["reload"][r["kind"]] = r
        elif kind == "criterion":
            data["criterion"][r["name"]] = r
        elif kind == "memory":
            data["memory"] = r
    return data


def overlapped(reload, probe):
    """Whether a round trip of PROBE overlapped the reload: when none did, the record says so with
    `_during_n=0` and a `_during_max_ms` of 0, which is no round trip."""
    return reload.get(f"{probe}_during_n") != "0"


def during(reload, key):
    """The record's KEY as the table shows it; a during max that no round trip gave is left out."""
    probe = key.split("_", 1)[0]
    if key.endswith("_during_max_ms") and not overlapped(reload, probe):
        return "—"
    return reload.get(key, "—")


def worst_stall(reloads, probe):
    """The largest (slowest round trip during a reload - usual round trip) of one probe over the
    reloads that a round trip of it overlapped; n/a when a probe was lost (it has no round trip)
    or no reload had one."""
    stalls = [
        num(r, f"{probe}_during_max_ms") - num(r, f"{probe}_quiet_p50_ms")
        for r in reloads
        if overlapped(r, probe)
    ]
    if not stalls or any(s != s for s in stalls):
        return float("nan")
    return max(stalls)


def figures(data):
    storms = data["storm"]
    ns = sorted({n for (_, n) in storms})
    top = ns[-1]
    ours, floor, pp = (storms.get((m, top), []) for m in (MODES[1], MODES[0], MODES[2]))
    grow = data["reload"].get("grow", {})
    same = [r for k, r in data["reload"].items() if k.startswith("same")]
    render = data["criterion"].get("render/one_phone")
    fig = {
        "phones": top,
        "failures": sum(int(r["failures"]) for r in ours),
        "ours_vs_floor": median(ours, "rtt_p50_ms") / median(floor, "rtt_p50_ms"),
        "ours_vs_phoneprov": median(ours, "rate") / median(pp, "rate"),
        "render_us": float(render["mid_ns"]) / 1000 if render else float("nan"),
        "reload10k_ms": median(same, "reload_ms"),
        # The module's own share: the reload less Asterisk's config parser and destructor.
        "reload10k_module_ms": median(same, "module_ms"),
        # How long a reload held Asterisk's message path up: the slowest echo in flight during it,
        # less an echo's usual round trip; the worst of the reloads.
        "stall_ms": worst_stall(same, "floor"),
        # The same for the module's own probe (provision.config), which also waits for the module.
        "probe_stall_ms": worst_stall(same, "ours"),
        "rss_10k_mb": (num(grow, "rss_after_kib") - num(grow, "rss_before_kib")) / 1024,
        "model_kib": num(data["memory"], "model_per_phone_kib"),
    }
    return fig


def fmt(v, digits=2):
    return "n/a" if v != v else f"{v:.{digits}f}"


def report(path, old_path=None):
    data = collect(path)
    fig = figures(data)
    m = data["machine"]
    out = []
    w = out.append
    w("# Benchmarks\n")
    w(
        "Measured by `contrib/bench.sh run` against the sandbox's real Asterisk "
        f"{m.get('asterisk', '?')}, with the module, res_phoneprov and the floor's dialplan loaded "
        "in the same instance and measured in turns, so all three meet the same Asterisk, the same "
        "PJSIP and the same machine.\n"
    )
    w(
        f"Machine: {m.get('cpu', '?')}, {m.get('cores', '?')} cores, {m.get('mem_gib', '?')} GiB, "
        f"Linux {m.get('kernel', '?')}; {m.get('rustc', '?')}. The load generator runs on the same "
        "machine and shares its two cores with Asterisk.\n"
    )
    w("## Rerun\n")
    w(
        "```sh\ncontrib/bench.sh run            # storms for N = 100, 500, 1000 (3 rounds), reloads, "
        "criterion; rewrites this file\ncontrib/bench.sh smoke          # what CI runs: N = 20, "
        "checks that nothing failed\ncargo bench -p digium-phones --bench core   # the micro-benchmarks alone\n```\n"
    )
    w("## Boot storm\n")
    w(
        "N phones start at once, each from its own loopback address and port. **ours**: "
        "`provision.config` as a SIP MESSAGE to `proxy`, the reply MESSAGE, then the HTTP fetch of "
        "the configuration it names, MD5 checked; the round trip is MESSAGE → reply MESSAGE. "
        "**floor**: the same body as a MESSAGE to `echo`, which the dialplan sends straight back "
        "with `MessageSend` (Asterisk's own message path, nothing else). **phoneprov**: "
        "`GET /phoneprov/<mac>.cfg` from res_phoneprov, a template made from the document this "
        "module serves, so both documents have the same size. After one uncounted storm of each "
        "kind, the kinds take turns for every round. Each figure is given as min / median / max "
        "over the rounds, failures are summed. CPU is Asterisk's (user + system, all threads) during "
        "the storm, RSS growth Asterisk's from before the storm to after it. **SYNs dropped** is "
        "the kernel's count of connection attempts it dropped because a listening socket's accept "
        "queue was full (`TcpExtListenOverflows`; on this machine, Asterisk's HTTP server, which "
        "listens with a backlog of 10): each waits for TCP's retransmission, 1 s or more.\n"
    )
    mmm = "min / median / max"
    w(
        f"| mode | N | rounds | failures | completion ms, {mmm} | phones/s, {mmm} | "
        f"RTT p50 ms, {mmm} | RTT p99 ms, {mmm} | Asterisk CPU s, {mmm} | "
        f"Asterisk RSS growth MB, {mmm} | SYNs dropped, {mmm} |"
    )
    w("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for n in sorted({n for (_, n) in data["storm"]}):
        for mode in MODES:
            rows = data["storm"].get((mode, n), [])
            if not rows:
                continue
            grown = [(num(r, "rss_after_kib") - num(r, "rss_before_kib")) / 1024 for r in rows]
            w(
                f"| {mode} | {n} | {len(rows)} | {sum(int(r['failures']) for r in rows)} | "
                f"{spread(values(rows, 'wall_ms'), 0)} | {spread(values(rows, 'rate'), 0)} | "
                f"{spread(values(rows, 'rtt_p50_ms'))} | {spread(values(rows, 'rtt_p99_ms'))} | "
                f"{spread(values(rows, 'cpu_s'))} | {spread(grown, 1)} | "
                f"{spread(values(rows, 'listen_overflows'), 0)} |"
            )
    w("")
    w("## Reload\n")
    big = data["reload"].get("grow", {}).get("phones", "?")
    same = [r for k, r in data["reload"].items() if k.startswith("same")]
    w(
        f"An instance serving a generated file of one phone is given one of {big} phones (two "
        "lines each) with `module reload` over AMI, which answers when the reload is done; with "
        "no traffic, so the memory it gains is the phones' alone (Asterisk's RSS two seconds "
        "after, less two seconds before; an uncounted reload just before lets the module trim "
        "the heap, as it does after every reload). Then the big file is replaced three times by a changed "
        "copy of itself, the whole model in service, while two probes send one request at a time: "
        "one through the floor's echo (Asterisk's message thread and the dialplan), one through "
        "the module (`provision.config`, reply only). **during max** is the slowest probe round "
        "trip that overlapped the reload (— when none did); **quiet p50** the usual one. **took** "
        "is the AMI round trip; **of it, Asterisk's config code** is what the module's log line "
        "says Asterisk's parser and destructor of the file (`ast_config_load2`, "
        "`ast_config_destroy`) took, and **module ms** the rest. The last row gives min / median / "
        "max over the changed-copy reloads, probes lost summed.\n"
    )
    w(
        "| reload | took ms | of it, Asterisk's config code ms | module ms | answer | Asterisk CPU s | "
        "RSS before → after MB | echo quiet p50 ms | echo during max ms | module quiet p50 ms | "
        "module during max ms | probes lost |"
    )
    w("|---|---:|---:|---:|---|---:|---|---:|---:|---:|---:|---:|")
    probed = ("floor_quiet_p50_ms", "floor_during_max_ms", "ours_quiet_p50_ms", "ours_during_max_ms")
    for kind, r in data["reload"].items():
        name = "1 → N phones, no probes" if kind == "grow" else f"N → N changed ({kind})"
        probes = " | ".join(during(r, key) for key in probed)
        w(
            f"| {name} | {r['reload_ms']} | {r.get('asterisk_config_ms', '—')} | "
            f"{r.get('module_ms', '—')} | {r['answer']} | {r['cpu_s']} | "
            f"{num(r, 'rss_before_kib') / 1024:.1f} → {num(r, 'rss_after_kib') / 1024:.1f} | "
            f"{probes} | {lost(r)} |"
        )
    if same:
        # Over the reloads that show the figure.
        probes = " | ".join(
            spread(values([r for r in same if during(r, key) != "—"], key)) for key in probed
        )
        w(
            f"| N → N changed, min / median / max of {len(same)} | "
            f"{spread(values(same, 'reload_ms'))} | {spread(values(same, 'asterisk_config_ms'), 0)} | "
            f"{spread(values(same, 'module_ms'), 0)} | — | {spread(values(same, 'cpu_s'))} | — | "
            f"{probes} | {sum(lost(r) for r in same)} |"
        )
    w("")
    mem = data["memory"]
    if mem:
        w(
            f"The same {mem['phones']} phones ({mem['lines']} lines) in the core alone "
            "(`digium-phones-bench memory`, the heap the program holds): the file as read "
            f"holds {mem['raw_mb']} MB, the model built from it {mem['model_mb']} MB more, "
            f"{mem['model_per_phone_kib']} KiB per phone with its lines; building it grew the "
            f"process's RSS by {mem.get('model_rss_mb', '?')} MB (with what the allocator keeps "
            "of the build's temporaries; the module trims that after each reload).\n"
        )
    if data["criterion"]:
        w("## Micro-benchmarks (criterion)\n")
        w("| benchmark | low | estimate | high |")
        w("|---|---:|---:|---:|")
        for name, r in data["criterion"].items():
            cells = [human_ns(float(r[k])) for k in ("low_ns", "mid_ns", "high_ns")]
            w(f"| `{name}` | {' | '.join(cells)} |")
        w("")
    w("## Targets\n")
    w("| target | wanted | measured | met |")
    w("|---|---|---:|---|")
    for name, key, test, wanted in TARGETS:
        v = fig[key]
        met = "n/a" if v != v else ("yes" if test(v) else "**no**")
        w(f"| {name} | {wanted} | {fmt(v)} | {met} |")
    w("")
    analysis = "<!-- analysis -->\n<!-- /analysis -->\n"
    previous = ""
    if old_path:
        try:
            with open(old_path, encoding="utf-8") as f:
                old = f.read()
        except FileNotFoundError:
            old = ""
        found = ANALYSIS.search(old)
        if found:
            analysis = found.group(0)
        previous = previous_run(old)
    w(analysis)
    if previous:
        w(previous)
    w(
        f"RESULT phones={fig['phones']} failures={fig['failures']} "
        f"ours_vs_floor={fmt(fig['ours_vs_floor'])} ours_vs_phoneprov={fmt(fig['ours_vs_phoneprov'])} "
        f"render_us={fmt(fig['render_us'], 1)} reload10k_ms={fmt(fig['reload10k_ms'], 0)} "
        f"reload10k_module_ms={fmt(fig['reload10k_module_ms'], 0)} "
        f"rss_10k_mb={fmt(fig['rss_10k_mb'], 1)} probe_stall_ms={fmt(fig['probe_stall_ms'])}"
    )
    print("\n".join(out))


def previous_run(old):
    """The "Previous run" section made of report OLD's own figures: its storm and reload tables
    (with the memory sentence after the latter), its targets and its RESULT line. Not OLD's
    analysis, nor OLD's own previous run, so that one run back is kept. Empty when OLD has none."""
    text = PREVIOUS.sub("", ANALYSIS.sub("", old))
    lines = text.splitlines()
    parts = []
    for heading, title in KEPT:
        if heading not in lines:
            continue
        section = []
        for line in lines[lines.index(heading) + 1 :]:
            if line.startswith(("## ", "<!-- ", "RESULT ")):
                break
            section.append(line)
        # From the table to the end of the section; the prose before the table tells the method,
        # which the new report states again.
        start = next((i for i, line in enumerate(section) if line.startswith("|")), None)
        if start is not None:
            parts.append(f"{title}\n\n" + "\n".join(section[start:]).strip() + "\n")
    result = [line for line in lines if line.startswith("RESULT ")]
    if result:
        parts.append(f"Its RESULT line: `{result[-1].strip()}`\n")
    if not parts:
        return ""
    return (
        "<!-- previous -->\n## Previous run\n\n"
        "The figures of the run before the one above, as its report gave them: "
        "`contrib/bench.sh run` moves them here when it rewrites this file, so one run back is "
        "kept.\n\n" + "\n".join(parts) + "<!-- /previous -->\n"
    )


def lost(reload):
    """The probes a reload lost, both probes together."""
    return int(reload.get("floor_lost", 0)) + int(reload.get("ours_lost", 0))


def human_ns(ns):
    for unit, scale in (("s", 1e9), ("ms", 1e6), ("µs", 1e3)):
        if ns >= scale:
            return f"{ns / scale:.2f} {unit}"
    return f"{ns:.0f} ns"


def check(path):
    data = collect(path)
    problems = []
    for (mode, n), rows in sorted(data["storm"].items()):
        for r in rows:
            if int(r["failures"]) or int(r["ok"]) != n:
                problems.append(f"storm {mode} N={n}: {r['ok']} of {n} provisioned")
    for mode in MODES:
        if not any(m == mode for (m, _) in data["storm"]):
            problems.append(f"no storm of mode {mode}")
    if "grow" not in data["reload"] or len(data["reload"]) < 2:
        problems.append("the grow reload and at least one probed reload are needed")
    for kind, r in data["reload"].items():
        if r.get("answer") != "Module Reloaded":
            problems.append(f"reload {kind}: Asterisk answered {r.get('answer')!r}")
        if kind == "grow":
            continue
        if lost(r):
            problems.append(f"reload {kind}: probes lost")
        if not (num(r, "floor_quiet_p50_ms") > 0 and num(r, "ours_quiet_p50_ms") > 0):
            problems.append(f"reload {kind}: the probes got no answers")
    fig = figures(data)
    required = [
        "ours_vs_floor",
        "ours_vs_phoneprov",
        "reload10k_ms",
        "reload10k_module_ms",
        "rss_10k_mb",
        "model_kib",
    ]
    # A small reload takes a few milliseconds and may end between two of the probe's round trips;
    # the stall is required where one overlapped it.
    same = [r for k, r in data["reload"].items() if k.startswith("same")]
    if any(overlapped(r, "ours") for r in same):
        required.append("probe_stall_ms")
    for key in required:
        if fig[key] != fig[key]:
            problems.append(f"figure {key} is missing")
    for p in problems:
        print(f"bench check: {p}", file=sys.stderr)
    runs = sum(len(v) for v in data["storm"].values()) + len(data["reload"])
    # The plain closing line test runners print, so a reader of the log sees the count.
    print(f"bench: {max(runs - len(problems), 0)} passed, {len(problems)} failed")
    if problems:
        sys.exit(1)


def main(argv):
    if argv[:1] == ["criterion"]:
        criterion_lines(sys.stdin.read())
    elif argv[:1] == ["report"] and len(argv) in (2, 3):
        report(argv[1], argv[2] if len(argv) == 3 else None)
    elif argv[:1] == ["check"] and len(argv) == 2:
        check(argv[1])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
