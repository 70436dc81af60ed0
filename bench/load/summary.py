"""Locust's CSV statistics as a Markdown table: per page kind the requests, the
p50/p95/max and the failures; then the failures by kind and message, if any.

    .venv/bin/python bench/load/summary.py var/bench/load/locust
"""

import csv
import sys


def main(prefix):
    with open(f"{prefix}_stats.csv", newline="") as stats:
        rows = list(csv.DictReader(stats))
    print("| Page kind | Requests | Req/s | p50 ms | p95 ms | Max ms | Errors |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for row in rows:
        name = "**All**" if row["Name"] == "Aggregated" else f"{row['Name']} ({row['Type']})"
        print(
            f"| {name} | {int(row['Request Count']):,} | {float(row['Requests/s']):.1f} | "
            f"{row['50%']} | {row['95%']} | {float(row['Max Response Time']):.0f} | "
            f"{row['Failure Count']} |"
        )
    with open(f"{prefix}_failures.csv", newline="") as failures:
        failed = list(csv.DictReader(failures))
    if failed:
        print()
        print("| Method | Page kind | Error | Occurrences |")
        print("|---|---|---|---:|")
        for row in failed:
            print(f"| {row['Method']} | {row['Name']} | {row['Error']} | {row['Occurrences']} |")


if __name__ == "__main__":
    main(sys.argv[1])
