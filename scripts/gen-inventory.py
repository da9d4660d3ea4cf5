#!/usr/bin/env python3
"""Writes a synthetic list-API response with N keys (default 100,000) to stdout, for the
benchmarks. Deterministic: the same arguments always give the same file. About 380 bytes a key.

A fraction of the keys (default 0.1, second argument) is misconfigured at random: it fires
several rules; the rest follow a sensible policy and fire few. `heavy` (0.6: most keys break
several rules, about 2.8 findings a key with the default pack) is the benchmark of the cost per
finding; `1.0` is the worst case (about 4.6 findings a key).

    python3 scripts/gen-inventory.py 100000 > /tmp/inventory-100k.json
    python3 scripts/gen-inventory.py 100000 heavy > /tmp/inventory-100k-heavy.json
    python3 scripts/gen-inventory.py 100000 1.0 > /tmp/inventory-100k-dirty.json
"""
import json
import random
import sys

MODES = {"heavy": 0.6}
NOW = 1795694400  # 2026-11-26T12:00:00Z, the benchmarks' --now
DAY = 86400


def tidy_key(i, rng):
    created = NOW - rng.randrange(0, 80) * DAY
    return {
        "id": 1_000_000 - i,
        "user_id": 42,
        "key": "sk-" + "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(48)),
        "status": 1,
        "name": "svc-%d" % i,
        "created_time": created,
        "accessed_time": NOW - rng.randrange(0, 20) * DAY,
        "expired_time": created + rng.randrange(30, 300) * DAY,
        "remain_quota": rng.randrange(1, 1_000_000),
        "used_quota": rng.randrange(0, 1_000_000),
        "unlimited_quota": False,
        "model_limits_enabled": True,
        "model_limits": "gpt-4o,claude-sonnet-4-5",
        "allow_ips": "203.0.114.%d\n198.51.101.0/24" % (i % 250),
        "group": "default",
        "cross_group_retry": False,
    }


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
    mode = sys.argv[2] if len(sys.argv) > 2 else "0.1"
    dirty = MODES.get(mode) or float(mode)
    rng = random.Random(n)
    items = [key(i, rng) if rng.random() < dirty else tidy_key(i, rng) for i in range(n)]
    body = {"success": True, "message": "", "data": {"page": 1, "page_size": n, "total": n, "items": items}}
    json.dump(body, sys.stdout, separators=(",", ":"))
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
