"""Benchmark: create N meetings on H hosts through the Zoom sandbox, exactly once each.

Scenarios (each on a fresh sandbox on a free loopback port):
  limited   - Zoom's Business+ per-second limits enforced by the sandbox, our client limiter on.
  faulty    - as `limited`, plus 2% injected 503s and 3% of creates answered by a dropped connection
              after the meeting was made (the lost-response case `ensure_meeting` must heal).
  unlimited - no rate limits on either side: the client + sandbox overhead alone.

Reports wall time, HTTP calls per meeting (API calls made by the client; token fetches apart), 429s,
and duplicates (keys with more than one meeting in the sandbox) - which must be zero.

    .venv/bin/python benchmarks/zoom_sandbox_bench.py --meetings 500 --hosts 10 --repeat 3
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

from zoom_client.auth import TokenProvider
from zoom_client.client import ZoomClient
from zoom_client.config import AccountCategory
from zoom_client.idempotency import key_from_agenda
from zoom_client.limits import UnlimitedRateLimiter
from zoom_client.models import MeetingCreate
from zoom_client.sandbox import generated_fixture, run_sandbox


def run_once(scenario: str, meetings: int, hosts: int, workers: int, seed: int) -> dict[str, Any]:
    limited = scenario != "unlimited"
    fixture = generated_fixture(hosts, category=AccountCategory.BUSINESS)
    with run_sandbox(fixture, port=0, enforce_rate_limits=limited, seed=seed) as sb:
        acc = sb.account_config("bench")
        client = ZoomClient(
            acc,
            tokens=TokenProvider(acc),
            rate_limiter=None if limited else UnlimitedRateLimiter(),
        )
        rng = random.Random(seed)
        lock = threading.Lock()
        if scenario == "faulty":
            sb.faults.error_rate = 0.02
        base = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(days=7)

        def one(i: int) -> int:
            host = f"gen-host-{i % hosts:03d}"
            if scenario == "faulty":
                with lock:
                    if rng.random() < 0.03:
                        sb.faults.drop_after_create(1)
            request = MeetingCreate(
                topic=f"Rapat {i}",
                start_time=base + timedelta(hours=2 * (i // hosts)),
                duration=90,
                agenda=f"Permohonan nomor {i}",
            )
            return client.ensure_meeting(host, request, key=f"bench-{i:05d}").id

        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=workers) as pool:
            ids = list(pool.map(one, range(meetings)))
        elapsed = time.perf_counter() - started

        keys = Counter(key_from_agenda(m.get("agenda")) for m in sb.state.meetings())
        duplicates = sum(n - 1 for n in keys.values() if n > 1)
        statuses = Counter(status for _, _, status in sb.state.requests)
        stats = client.stats.as_dict()
        return {
            "scenario": scenario,
            "meetings_requested": meetings,
            "meetings_in_sandbox": len(sb.state.meetings()),
            "distinct_ids_returned": len(set(ids)),
            "duplicates": duplicates,
            "seconds": round(elapsed, 3),
            "meetings_per_second": round(meetings / elapsed, 1),
            "api_calls": stats["calls"],
            "calls_per_meeting": round(stats["calls"] / meetings, 3),
            "token_fetches": client.tokens.fetches,
            "by_operation": stats["by_operation"],
            "retries": stats["retries"],
            "http_429": statuses.get(429, 0),
            "faults_injected": sb.faults.injected,
            "limiter_wait_s": round(client.limiter.waited_s, 2),
        }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--meetings", type=int, default=500)
    parser.add_argument("--hosts", type=int, default=10)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--scenario", choices=["limited", "faulty", "unlimited", "all"], default="all")
    parser.add_argument("--json", dest="json_out", help="write all runs to this JSON file")
    args = parser.parse_args(argv)
    if args.meetings > args.hosts * 100:
        parser.error("more than 100 meetings per host would exceed Zoom's daily create limit")
    scenarios = ["limited", "faulty", "unlimited"] if args.scenario == "all" else [args.scenario]
    runs: list[dict[str, Any]] = []
    failed = False
    for scenario in scenarios:
        for r in range(args.repeat):
            result = run_once(scenario, args.meetings, args.hosts, args.workers, seed=r)
            runs.append(result)
            print(json.dumps(result), flush=True)
            failed |= result["duplicates"] != 0 or result["meetings_in_sandbox"] != args.meetings
    print("\nmedians:")
    for scenario in scenarios:
        rs = [r for r in runs if r["scenario"] == scenario]
        med = {k: statistics.median(r[k] for r in rs) for k in ("seconds", "calls_per_meeting", "http_429")}
        worst_dupes = max(r["duplicates"] for r in rs)
        print(
            f"  {scenario:9s} {med['seconds']:7.2f} s  {med['calls_per_meeting']:.3f} calls/meeting  "
            f"429s {med['http_429']:.0f}  duplicates (max) {worst_dupes}  runs {len(rs)}"
        )
    if args.json_out:
        with open(args.json_out, "w", encoding="utf-8") as fh:
            json.dump(runs, fh, indent=2)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
