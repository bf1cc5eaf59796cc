"""Parse the whole Zammad mail corpus several times and print messages per second (target: 300/s).

Run from the repository root: python bench/bench_email_parse.py [rounds]
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from channels.email import parse  # noqa: E402
from tests.channels.corpus import corpus_dir, mails  # noqa: E402


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    corpus = [box.read_bytes() for box in mails()]
    if not corpus:
        sys.exit(f"no corpus at {corpus_dir()}")
    megabytes = sum(map(len, corpus)) / 1e6
    parse(corpus[0])  # warm up imports
    round_times = []
    for _ in range(rounds):
        started = time.perf_counter()
        for raw in corpus:
            parse(raw)
        round_times.append(time.perf_counter() - started)
    total = sum(round_times)
    best = min(round_times)
    print(f"{rounds} rounds of {len(corpus)} mails ({megabytes:.1f} MB) in {total:.2f} s")
    print(f"overall: {rounds * len(corpus) / total:.0f} messages/s, {rounds * megabytes / total:.1f} MB/s")
    print(f"best round (least disturbed by other load): {len(corpus) / best:.0f} messages/s")


if __name__ == "__main__":
    main()
