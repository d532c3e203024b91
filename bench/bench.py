#!/usr/bin/env python3
"""Benchmark: the go-live binary against curl, side by side, on the local emulator.

    cargo build --release --workspace && python3 bench/bench.py [RUNS]

1. Start: RUNS go-live runs (start, validate, read the offer's state, POST,
   write outputs, exit) and RUNS curl runs sending the same go-live POST, interleaved, each process
   measured alone: median wall time, then peak RSS (GNU time), and the ratios.
2. Waiting: one go-live run with wait: true whose operation takes a fixed
   number of polls: CPU time used against wall time, and the status requests
   the emulator received against the polls expected.

3. Hostile bodies: go-live runs against an emulator that answers with a
   64 MiB body (the go-live POST, Entra's token endpoint) or a 32 MiB one
   (the operation status): peak RSS of each (target: under 16 MiB), and
   the exit code the body leads to.
4. Several offers: one run with `offers` listing 1, 10 and 100 published
   offers, each go-live lasting the same number of poll intervals: peak RSS
   (target: at most 16 MiB at 100, growing by less than 64 KiB an offer),
   CPU time against wall time while every offer waits (target: under 1%),
   the status requests each operation received against the polls expected
   (target: exactly one a poll), and the wall time of the whole run against
   the single offer's (target: within one poll interval).

5. A large offer: a Product Ingestion product of 20 plans with 100 image
   versions each (a resource tree of about 1.5 MB, as long-lived images
   reach), previewed: peak RSS of `go-live draft` adding a version to one
   plan (the draft, preview and live trees read, merged, sent, verified),
   and of `go-live publish` with the same (target: under 32 MiB each).

6. Requests per mode: the whole release of one offer, as its jobs run it
   (a plan, the draft change and publish to preview, go-live, then each
   again as a re-run finds the work done), through each API, every
   operation ending at once: the requests each run sent, against the floor
   (each read the safety rules ask for once, and one status request per
   operation followed). A regression shows as a count above its floor.

Not part of the test suite: its figures depend on the machine.

    python3 bench/bench.py requests     # only the requests per mode
"""

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GO_LIVE = os.path.join(ROOT, "target", "release", "go-live")
EMULATOR = os.path.join(ROOT, "target", "release", "marketplace-emulator")
TOKEN = "benchmark-token"
TIME = "/usr/bin/time"  # GNU time, Debian package "time"
RUNS = int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1].isdigit() else 200
RSS_RUNS = 20
POLL_MS = 200
POLLS = 10


def measure(argv, env):
    """Wall seconds, CPU seconds and exit code of one process."""
    started = time.perf_counter()
    process = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    return wall, usage.ru_utime + usage.ru_stime, os.waitstatus_to_exitcode(status)


def peak_rss_kib(argv, env):
    """Peak RSS of one process, as GNU time reports it. Not from wait4 here:
    a child forked from this Python process starts its high-water mark at
    Python's own size, while GNU time's children start at about 1 MiB (the
    same for both programs)."""
    with tempfile.NamedTemporaryFile(mode="r") as report:
        subprocess.run([TIME, "-f", "%M", "-o", report.name, *argv], env=env,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        return int(report.read().split()[-1])


def start_emulator(*args):
    emulator = subprocess.Popen([EMULATOR, "--static-token", TOKEN, *args], stdout=subprocess.PIPE, text=True)
    return emulator, emulator.stdout.readline().strip()


def action_env(url, outputs, **inputs):
    env = {"PATH": os.environ.get("PATH", ""), "GITHUB_OUTPUT": outputs, "GITHUB_ACTIONS": "true"}
    values = {"publisher_id": "contoso", "offer_id": "contoso-vm", "token": TOKEN, "api_url": url, **inputs}
    for name, value in values.items():
        env["INPUT_" + name.upper()] = value
    return env


def start_benchmark():
    emulator, url = start_emulator("--stateless-go-live", "--live-ms", "600000")
    try:
        outputs = tempfile.NamedTemporaryFile(delete=False).name
        env = action_env(url, outputs)
        target = f"{url}/api/publishers/contoso/offers/contoso-vm/golive?api-version=2017-10-31"
        curl = ["curl", "-sS", "-o", "/dev/null", "-X", "POST", "-H", f"Authorization: Bearer {TOKEN}",
                "-H", "Content-Type: application/json", "--data", "", target]
        programs = (("go-live", [GO_LIVE], env), ("curl", curl, {"PATH": env["PATH"]}))
        walls = {"go-live": [], "curl": []}
        rss = {"go-live": [], "curl": []}
        for _ in range(RUNS):
            for name, argv, run_env in programs:
                wall, _, code = measure(argv, run_env)
                if code != 0:
                    sys.exit(f"{name} exited {code}")
                walls[name].append(wall)
        for _ in range(RSS_RUNS):
            for name, argv, run_env in programs:
                rss[name].append(peak_rss_kib(argv, run_env))
        os.unlink(outputs)
    finally:
        emulator.kill()
    print(f"start, validate, read the offer's state, POST, exit: {RUNS} runs each, interleaved")
    print(f"{'':10} {'median wall':>12} {'peak RSS':>10}")
    medians = {}
    for name in walls:
        wall = statistics.median(walls[name])
        peak = max(rss[name])
        medians[name] = (wall, peak)
        print(f"{name:10} {wall * 1000:10.2f}ms {peak / 1024:8.1f}MiB")
    wall_ratio = medians["go-live"][0] / medians["curl"][0]
    rss_ratio = medians["go-live"][1] / medians["curl"][1]
    print(f"go-live/curl: wall {wall_ratio:.2f}x (target <= 0.8x), peak RSS {rss_ratio:.2f}x (target <= 1x)")
    return wall_ratio <= 0.8 and rss_ratio <= 1.0


def wait_benchmark():
    live_ms = POLL_MS * POLLS
    emulator, url = start_emulator("--stateless-go-live", "--live-ms", str(live_ms))
    try:
        outputs = tempfile.NamedTemporaryFile(delete=False).name
        env = action_env(url, outputs, wait="true", poll_interval=f"{POLL_MS}ms", wait_timeout="1m")
        wall, cpu, code = measure([GO_LIVE], env)
        os.unlink(outputs)
        with urllib.request.urlopen(f"{url}/emulator/requests") as answer:
            requests = json.load(answer)
    finally:
        emulator.kill()
    if code != 0:
        sys.exit(f"go-live with wait exited {code}")
    polls = [r for r in requests if r["method"] == "GET" and "/operations/" in r["target"]]
    # The Live step ends after POLLS intervals: requests at 0, 1, ..., POLLS intervals.
    expected = POLLS + 1
    share = cpu / wall * 100
    print(f"\nwait of {POLLS} poll intervals of {POLL_MS}ms: wall {wall:.2f}s, CPU {cpu * 1000:.1f}ms ({share:.2f}% of wall, target < 1%)")
    print(f"status requests received: {len(polls)} for {expected} polls (target: exactly one request per poll)")
    return share < 1.0 and len(polls) == expected


MIB = 1024 * 1024
RSS_CAP_KIB = 16 * 1024


def hostile_benchmark():
    """Peak RSS while a server sends bodies far larger than any real answer."""
    cases = [
        ("64 MiB error body on the go-live POST", ["--go-live-fault", f"huge:500:{64 * MIB}"], {}, 1),
        ("64 MiB error body from Entra", ["--token-fault", f"huge:400:{64 * MIB}"], "entra", 1),
        ("32 MiB status body, then the operation ends", ["--status-fault", f"huge:200:{32 * MIB}"],
         {"wait": "true", "poll_interval": "50ms"}, 0),
    ]
    print("\nhostile bodies: peak RSS of one run each (target < 16 MiB)")
    ok = True
    for name, flags, inputs, expected_code in cases:
        emulator, url = start_emulator("--stateless-go-live", "--live-ms", "100", *flags)
        try:
            outputs = tempfile.NamedTemporaryFile(delete=False).name
            if inputs == "entra":
                emulator.stdout.readline()  # the Product Ingestion API's URL
                words = emulator.stdout.readline().split()  # tenant_id T client_id C client_secret S
                inputs = {"token": "", "tenant_id": words[1], "client_id": words[3],
                          "client_secret": words[5], "authority_url": url}
            env = action_env(url, outputs, **inputs)
            with tempfile.NamedTemporaryFile(mode="r") as report:
                code = subprocess.run([TIME, "-f", "%M", "-o", report.name, GO_LIVE], env=env,
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
                peak = int(report.read().split()[-1])
            os.unlink(outputs)
        finally:
            emulator.kill()
        met = peak < RSS_CAP_KIB and code == expected_code
        ok = ok and met
        print(f"{name:55} {peak / 1024:6.1f}MiB exit {code} (expected {expected_code}){'' if met else '  MISSED'}")
    return ok


MANY_POLL_MS = 1000
MANY_POLLS = 10


def last_results(path):
    """The last whole `results` value in a GITHUB_OUTPUT file, or None."""
    with open(path) as outputs:
        lines = outputs.read().split("\n")
    value = None
    for i, line in enumerate(lines):
        if line.startswith("results<<"):
            delimiter = line[len("results<<"):]
            if delimiter not in lines[i + 1:]:
                break  # read while go-live was still writing it
            end = lines.index(delimiter, i + 1)
            value = json.loads("\n".join(lines[i + 1:end]))
    return value


def cpu_seconds(pid):
    """User and system CPU time a live process has used so far."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def offers_run(count):
    """One run taking `count` offers live and waiting: (peak RSS KiB, wall s,
    CPU s while waiting, wall s while waiting, status requests per offer)."""
    offers = [f"offer-{n}" for n in range(count)]
    flags = ["--stateless-go-live", "--step-ms", "1", "--live-ms", str(MANY_POLL_MS * MANY_POLLS)]
    for offer in offers:
        flags += ["--publish", f"contoso/{offer}"]
    emulator, url = start_emulator(*flags)
    try:
        time.sleep(0.5)  # every publish reaches publisher signoff (4 steps of 1 ms)
        outputs = tempfile.NamedTemporaryFile(delete=False).name
        env = action_env(url, outputs, offer_id="", offers="\n".join(f"contoso/{o}" for o in offers),
                         wait="true", poll_interval=f"{MANY_POLL_MS}ms", wait_timeout="5m")
        with tempfile.NamedTemporaryFile(mode="r") as report:
            timed = subprocess.Popen([TIME, "-f", "%M %U %S %e", "-o", report.name, GO_LIVE], env=env,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            child = None
            while child is None and timed.poll() is None:
                with open(f"/proc/{timed.pid}/task/{timed.pid}/children") as children:
                    found = children.read().split()
                child = int(found[0]) if found else None
            # Waiting starts once every offer's operation is known.
            while timed.poll() is None:
                results = last_results(outputs)
                if results and all(entry["operation_location"] for entry in results.values()):
                    waiting_from, cpu_before = time.perf_counter(), cpu_seconds(child)
                    break
                time.sleep(0.005)
            timed.wait()
            waiting_wall = time.perf_counter() - waiting_from
            peak, user, system, wall = report.read().split()[-4:]
        results = last_results(outputs)
        os.unlink(outputs)
        with urllib.request.urlopen(f"{url}/emulator/requests") as answer:
            requests = json.load(answer)
    finally:
        emulator.kill()
    if timed.returncode != 0:
        sys.exit(f"go-live with {count} offers exited {timed.returncode}")
    per_offer = []
    for entry in results.values():
        path = urllib.parse.urlsplit(entry["operation_location"])
        target = path.path + ("?" + path.query if path.query else "")
        per_offer.append(sum(1 for r in requests if r["method"] == "GET" and r["target"] == target))
    waiting_cpu = float(user) + float(system) - cpu_before
    return int(peak), float(wall), waiting_cpu, waiting_wall, per_offer


def offers_benchmark():
    print(f"\nseveral offers: each go-live lasts {MANY_POLLS} poll intervals of {MANY_POLL_MS}ms")
    print(f"{'offers':>6} {'peak RSS':>9} {'wall':>7} {'CPU while waiting':>22} {'status requests per offer':>27}")
    expected = MANY_POLLS + 1
    figures = {}
    ok = True
    for count in (1, 10, 100):
        peak, wall, cpu, waiting, per_offer = offers_run(count)
        figures[count] = (peak, wall)
        share = cpu / waiting * 100
        exact = all(n == expected for n in per_offer)
        ok = ok and share < 1.0 and exact
        spread = f"{min(per_offer)}-{max(per_offer)}" if min(per_offer) != max(per_offer) else f"{per_offer[0]}"
        print(f"{count:6} {peak / 1024:7.1f}MiB {wall:6.2f}s {cpu * 1000:7.1f}ms in {waiting:5.2f}s ({share:.2f}%) "
              f"{spread:>10} for {expected} polls{'' if exact else '  MISSED'}")
    growth = (figures[100][0] - figures[1][0]) / 99
    late = figures[100][1] - figures[1][1]
    print(f"peak RSS at 100 offers {figures[100][0] / 1024:.1f}MiB (target <= 16 MiB), "
          f"{growth:.1f}KiB more an offer (target < 64 KiB)")
    print(f"wall at 100 offers {late * 1000:+.0f}ms against one offer (target: within {MANY_POLL_MS}ms)")
    return ok and figures[100][0] <= RSS_CAP_KIB and growth < 64 and abs(late) * 1000 < MANY_POLL_MS


LARGE_PLANS = 20
LARGE_VERSIONS = 99  # one more is added: 100, the cap
LARGE_RSS_CAP_KIB = 32 * 1024


def large_offer_benchmark():
    plans = ",".join(f"plan-{n}" for n in range(LARGE_PLANS))
    emulator, url = start_emulator("--step-ms", "50", "--vm-product", f"large-vm={plans}",
                                   "--vm-versions", str(LARGE_VERSIONS), "--preview", "large-vm")
    ok = True
    try:
        base = url + "/rp/product-ingestion"
        env = {"PATH": os.environ.get("PATH", ""), "GO_LIVE_TOKEN": TOKEN}
        # The preview the emulator started takes a few steps: at most 10 s.
        for _ in range(100):
            check = subprocess.run([GO_LIVE, "check", "--api", "product-ingestion", "--api-url", base,
                                    "--offer", "large-vm", "--host", "terminal"], env=env,
                                   capture_output=True, text=True)
            if "status=ready" in check.stdout:
                break
            time.sleep(0.1)
        print(f"\na large offer: {LARGE_PLANS} plans of {LARGE_VERSIONS} image versions, one version added")
        with tempfile.TemporaryDirectory() as workdir:
            for n, command in enumerate(("draft", "publish")):
                versions = os.path.join(workdir, f"versions-{n}.json")
                with open(versions, "w") as file:
                    json.dump([{"versionNumber": f"2.0.{n}", "vmImages": [{"imageType": "x64Gen2", "source": {
                        "sourceType": "sasUri", "dataDisks": [], "osDisk": {
                            "uri": "https://contoso.blob.core.windows.net/vhds/b.vhd?sv=2023-11-03"
                                   "&se=2099-01-01T00:00:00Z&sr=b&sp=r&sig=c2lnbmF0dXJl"}}}]}], file)
                argv = [GO_LIVE, command, "--api", "product-ingestion", "--api-url", base, "--offer", "large-vm",
                        "--plan", f"plan-{n}", "--vm-image-versions", versions, "--poll-interval", "20ms",
                        "--wait", "--host", "terminal"]
                peak = peak_rss_kib(argv, env)
                ok = ok and peak <= LARGE_RSS_CAP_KIB
                print(f"go-live {command:7} peak RSS {peak / 1024:.1f}MiB (target < 32 MiB)")
    finally:
        emulator.terminate()
        emulator.wait()
    return ok


# The floor of each run of the release: the reads the safety rules ask for,
# each once, the writes, and one status request per operation (each ends at
# once). Product Ingestion, a product with a draft only: the product lookup,
# its submissions (which also show the targets never published, whose trees
# are not read) and the draft; a draft change adds its POST, its status and
# the draft read again to verify it; a publish its POST, its status, the
# submissions read for the new preview, and the preview tree for what goes
# live; a go-live its POST, its status and the submissions for the live one;
# a plan or a re-run, once live, the preview and live trees besides. The
# Cloud Partner Portal: the list of operations, a publish's own status, and
# the draft, Preview and Production documents where what changes is shown.
REQUEST_FLOORS = {
    "product-ingestion": [
        ("plan (with the versions file)", ["plan"], True, 3),
        ("publish (with the versions file)", ["publish", "--wait"], True, 10),
        ("go-live", ["live", "--wait"], False, 6),
        ("plan, once live", ["plan"], True, 5),
        ("publish, re-run", ["publish", "--wait"], True, 5),
        ("go-live, re-run", ["live", "--wait"], False, 2),
    ],
    "cloud-partner-portal": [
        ("plan", ["plan"], False, 4),
        ("publish", ["publish", "--wait"], False, 5),
        ("go-live", ["live", "--wait"], False, 6),
        ("plan, once live", ["plan"], False, 4),
        ("go-live, re-run", ["live", "--wait"], False, 1),
    ],
}


def requests_benchmark():
    """The requests each run of a release sends, against the floor."""
    emulator, url = start_emulator("--step-ms", "1", "--vm-product", "contoso-vm=standard")
    ok = True
    try:
        env = {"PATH": os.environ.get("PATH", ""), "GO_LIVE_TOKEN": TOKEN}
        print("\nrequests per run of a release (every operation ends at once)")
        print(f"{'api':22} {'run':34} {'GET':>4} {'POST':>5} {'floor':>6}")
        totals = {api: [0, 0] for api in REQUEST_FLOORS}
        with tempfile.TemporaryDirectory() as workdir:
            versions = os.path.join(workdir, "versions.json")
            with open(versions, "w") as file:
                json.dump([{"versionNumber": "1.0.0", "vmImages": [{"imageType": "x64Gen2", "source": {
                    "sourceType": "sasUri", "dataDisks": [], "osDisk": {
                        "uri": "https://contoso.blob.core.windows.net/vhds/a.vhd?sv=2023-11-03"
                               "&se=2099-01-01T00:00:00Z&sr=b&sp=r&sig=c2lnbmF0dXJl"}}}]}], file)
            for api, runs in REQUEST_FLOORS.items():
                if api == "product-ingestion":
                    common = ["--api", api, "--api-url", url + "/rp/product-ingestion", "--offer", "contoso-vm"]
                else:
                    common = ["--api", api, "--api-url", url, "--offer", "contoso/contoso-vm"]
                for name, command, with_file, floor in runs:
                    argv = [GO_LIVE, *command, *common, "--poll-interval", "20ms", "--host", "terminal"]
                    if with_file:
                        argv += ["--plan", "standard", "--vm-image-versions", versions]
                    with urllib.request.urlopen(f"{url}/emulator/requests") as answer:
                        before = len(json.load(answer))
                    code = subprocess.run(argv, env=env, cwd=workdir, stdout=subprocess.DEVNULL,
                                          stderr=subprocess.DEVNULL).returncode
                    with urllib.request.urlopen(f"{url}/emulator/requests") as answer:
                        sent = [r for r in json.load(answer)[before:] if not r["target"].startswith("/emulator")]
                    if os.environ.get("BENCH_SHOW"):
                        for r in sent:
                            print("    ", r["method"], r["target"].split("?")[0])
                    gets = sum(1 for r in sent if r["method"] == "GET")
                    posts = len(sent) - gets
                    met = code in (0, 4) and len(sent) <= floor
                    ok = ok and met
                    totals[api] = [totals[api][0] + len(sent), totals[api][1] + floor]
                    print(f"{api:22} {name:34} {gets:4} {posts:5} {floor:6}{'' if met else '  ABOVE' if code in (0, 4) else f'  exit {code}'}")
        for api, (sent, floor) in totals.items():
            print(f"{api:22} {'the whole release':34} {sent:10} {floor:6}")
    finally:
        emulator.kill()
    return ok


def main():
    if sys.argv[1:] == ["requests"]:
        for path in (GO_LIVE, EMULATOR):
            if not os.path.exists(path):
                sys.exit(f"{path} is missing: run cargo build --release --workspace first")
        sys.exit(0 if requests_benchmark() else 1)
    for path in (GO_LIVE, EMULATOR, TIME):
        if not os.path.exists(path):
            sys.exit(f"{path} is missing: run cargo build --release --workspace first")
    start_ok = start_benchmark()
    wait_ok = wait_benchmark()
    hostile_ok = hostile_benchmark()
    offers_ok = offers_benchmark()
    large_ok = large_offer_benchmark()
    requests_ok = requests_benchmark()
    all_ok = start_ok and wait_ok and hostile_ok and offers_ok and large_ok and requests_ok
    print("\nall targets met" if all_ok else "\nsome targets missed")
    sys.exit(0 if all_ok else 1)


if __name__ == "__main__":
    main()
