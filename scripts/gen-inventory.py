#!/usr/bin/env python3
"""Writes a synthetic list-API response with N keys (default 100,000) to stdout, for the
benchmarks. Deterministic: the same N always gives the same file. About 400 bytes a key.

    python3 scripts/gen-inventory.py 100000 > /tmp/inventory-100k.json
"""
import json
import random
import sys

NOW = 1795694400  # 2026-11-26T12:00:00Z, the benchmarks' --now
DAY = 86400


def key(i, rng):
    created = NOW - rng.randrange(0, 700) * DAY
    accessed = created + rng.choice([0, rng.randrange(0, max(1, NOW - created))])
    expired = rng.choice([-1, NOW + rng.randrange(-30, 800) * DAY])
    ips = rng.choice([
        None,
        "",
        "203.0.113.%d" % (i % 250),
        "198.51.100.0/24\n10.0.0.1/24",
        "1.2.3.4,5.6.7.8\n2001:db8::/32",
        "0.0.0.0/0",
    ])
    models = rng.choice(["", "gpt-4o", "gpt-4o,claude-sonnet-4-5", "gpt-4o, claude", " gpt-4o"])
    return {
        "id": 1_000_000 - i,
        "user_id": 42,
        "key": "sk-" + "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(48)),
        "status": rng.choice([1, 1, 1, 1, 2, 3, 4]),
        "name": rng.choice(["ci", "prod", "batch", "dev", "svc"]) + "-%d" % (i % 5000),
        "created_time": created,
        "accessed_time": accessed,
        "expired_time": expired,
        "remain_quota": rng.randrange(-10, 1_000_000),
        "used_quota": rng.randrange(0, 1_000_000),
        "unlimited_quota": rng.random() < 0.2,
        "model_limits_enabled": rng.random() < 0.6,
        "model_limits": models,
        "allow_ips": ips,
        "group": rng.choice(["", "default", "auto", "vip"]),
        "cross_group_retry": rng.random() < 0.1,
    }


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    rng = random.Random(n)
    items = [key(i, rng) for i in range(n)]
    body = {"success": True, "message": "", "data": {"page": 1, "page_size": n, "total": n, "items": items}}
    json.dump(body, sys.stdout, separators=(",", ":"))
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
