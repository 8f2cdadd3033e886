#!/usr/bin/env python3
"""Worst-case stack depth of the core's public functions on the lx106, from
GCC's call graphs (-fcallgraph-info=su: one .ci file per module, with each
function's frame from -fstack-usage).

    lx106-stack.py [--budget BYTES] [--markdown] DIR

The depth of a function is its own frame plus the deepest chain of frames
below it. A call through a pointer (the fk_flash_t driver, callbacks) ends
the chain there: the driver's frames are the port's, not the core's, and are
marked "+ driver". Calls into libc/libgcc (memcpy, __udivsi3) count 0 (the
ROM's and picolibc's leaves) and are not chased. Recursion is reported: its
depth is unbounded by this analysis. Exits 1 when a depth passes --budget."""
import glob
import os
import re
import sys

NODE = re.compile(r'^node: \{ title: "([^"]+)" label: "([^"]*)"(.*)\}$')
EDGE = re.compile(r'^edge: \{ sourcename: "([^"]+)" targetname: "([^"]+)"')


def load(folder):
    frames, kinds, module, edges = {}, {}, {}, {}
    for ci in sorted(glob.glob(os.path.join(folder, "*.ci"))):
        mod = os.path.basename(ci)[:-3]
        with open(ci) as f:
            for line in f:
                m = NODE.match(line.strip())
                if m:
                    title, label = m.group(1), m.group(2)
                    sz = re.search(r"\\n(\d+) bytes \((static|dynamic|dynamic,bounded)\)", label)
                    if sz:
                        frames[title] = int(sz.group(1))
                        kinds[title] = sz.group(2)
                        module[title] = mod
                    continue
                m = EDGE.match(line.strip())
                if m:
                    edges.setdefault(m.group(1), set()).add(m.group(2))
    return frames, kinds, module, edges


def analyse(frames, edges):
    memo = {}

    def depth(fn, stack):
        if fn in memo:
            return memo[fn]
        if fn in stack:
            return (0, [fn + " (recursion)"], {"recursion"})
        if fn not in frames:
            if fn == "__indirect_call":
                return (0, ["(driver)"], {"driver"})
            return (0, [], set())
        best, path, notes = 0, [], set()
        for callee in sorted(edges.get(fn, ())):
            d, p, n = depth(callee, stack | {fn})
            notes |= n
            if d > best or (d == best and not path and p):
                best, path = d, p
        res = (frames[fn] + best, [fn] + path, notes)
        memo[fn] = res
        return res

    return {fn: depth(fn, frozenset()) for fn in frames}


def short(name):
    return name.split(":")[-1].replace("$", ".")


def main():
    args = sys.argv[1:]
    budget, markdown = None, False
    while args and args[0].startswith("--"):
        if args[0] == "--budget":
            budget = int(args[1])
            args = args[2:]
        elif args[0] == "--markdown":
            markdown = True
            args = args[1:]
        else:
            sys.exit(f"lx106-stack.py: unknown option {args[0]}")
    if len(args) != 1:
        sys.exit("usage: lx106-stack.py [--budget BYTES] [--markdown] DIR")
    frames, kinds, module, edges = load(args[0])
    if not frames:
        sys.exit(f"lx106-stack.py: {args[0]}: no .ci call graphs (build with -fcallgraph-info=su)")
    res = analyse(frames, edges)
    # Public: a global symbol (static ones are titled "file:name").
    public = sorted((fn for fn in frames if ":" not in fn), key=lambda fn: (module[fn], fn))
    over = []
    if markdown:
        print("| module | entry point | own frame | worst case | deepest chain |")
        print("|---|---|---:|---:|---|")
    else:
        print(f"{'module':<18} {'entry point':<34} {'own':>5} {'worst':>6}  deepest chain")
    for fn in public:
        d, path, notes = res[fn]
        tags = []
        if "driver" in notes:
            tags.append("+ driver")
        if "recursion" in notes:
            tags.append("RECURSION")
        if kinds[fn] != "static":
            tags.append(kinds[fn])
        chain = " > ".join(short(p) for p in path[1:]) or "-"
        tag = (" [" + ", ".join(tags) + "]") if tags else ""
        if budget is not None and d > budget:
            over.append((fn, d))
        if markdown:
            print(f"| {module[fn]} | `{fn}` | {frames[fn]} | {d}{tag} | {chain} |")
        else:
            print(f"{module[fn]:<18} {fn:<34} {frames[fn]:>5} {d:>6}  {chain}{tag}")
    worst = max(public, key=lambda fn: res[fn][0])
    print()
    print(f"worst case: {res[worst][0]} bytes, {worst} ({module[worst]}): "
          + " > ".join(f"{short(p)} {frames.get(p, 0)}" for p in res[worst][1] if p in frames))
    if budget is not None:
        if over:
            print(f"OVER BUDGET ({budget} bytes): " + ", ".join(f"{fn} {d}" for fn, d in over))
            return 1
        print(f"every entry point within the {budget}-byte budget")
    return 0


if __name__ == "__main__":
    sys.exit(main())
