#!/usr/bin/python3
"""Turns bench/engine's JSON lines into the markdown tables of docs/benchmarks.md.

usage: bench/report.py RUN.jsonl

Standard library only. It prints three tables: build, recall/QPS per ef, and QPS at
equal recall with the ratios the engine computed.
"""
import json
import sys

ENGINES = ("omendb", "hnswlib", "faiss")
NAMES = {"omendb": "OmenDB", "hnswlib": "hnswlib", "faiss": "FAISS"}


def main(path):
    builds, searches, ratios, build_ratios = {}, {}, {}, {}
    with open(path) as f:
        for line in f:
            if not line.startswith("{"):
                continue
            o = json.loads(line)
            phase = o.get("phase")
            if phase == "build":
                builds[o["engine"]] = o
            elif phase == "search":
                searches.setdefault(o["engine"], {})[o["ef"]] = o
            elif phase == "ratio" and "recall" in o:
                ratios.setdefault(o["recall"], {})[o["peer"]] = o
            elif phase == "ratio":
                build_ratios[o["peer"]] = o
    engines = [e for e in ENGINES if e in builds]
    ours = builds["omendb"]
    print(f"dataset {ours['dataset']}: n={ours['n']} dim={ours['dim']} metric={ours['metric']} "
          f"OmenDB storage={ours.get('storage', 'float32')} m={ours['m']} "
          f"ef_construction={ours['ef_construction']} threads={ours['threads']}\n")

    print("| engine | build s | vectors/s | index MiB (RSS growth) |")
    print("|---|---|---|---|")
    for e in engines:
        b = builds[e]
        print(f"| {NAMES[e]} | {b['build_s']:.1f} | {b['vectors_per_s']:,.0f} | {b['index_mb']:.1f} |")
    print()

    print("| ef | " + " | ".join(f"{NAMES[e]} recall / QPS" for e in engines) + " |")
    print("|---" * (len(engines) + 1) + "|")
    for ef in sorted(searches["omendb"]):
        cells = []
        for e in engines:
            s = searches.get(e, {}).get(ef)
            cells.append(f"{s['recall']:.4f} / {s['qps']:,.0f}" if s else "-")
        print(f"| {ef} | " + " | ".join(cells) + " |")
    print()

    peers = [e for e in engines if e != "omendb"]
    print("| recall@10 | OmenDB QPS | " +
          " | ".join(f"{NAMES[p]} QPS | OmenDB / {NAMES[p]}" for p in peers) + " |")
    print("|---|---" + "|---|---" * len(peers) + "|")
    for r in sorted(ratios):
        row = ratios[r]
        first = next(iter(row.values()))
        ours_qps = first["omendb_qps"]
        cells = [f"{r:.2f}", f"{ours_qps:,.0f}" if ours_qps is not None else "not reached"]
        for p in peers:
            o = row.get(p)
            if o is None:
                cells += ["-", "-"]
            else:
                ratio = o["qps_ratio"]
                cells += [f"{o['peer_qps']:,.0f}", f"**{ratio:.2f}**" if ratio is not None else "-"]
        print("| " + " | ".join(cells) + " |")
    print()
    for p in peers:
        o = build_ratios.get(p)
        if o:
            print(f"OmenDB / {NAMES[p]}: build throughput **{o['build_ratio']:.2f}**, "
                  f"index memory {o['memory_ratio']:.2f}.")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
