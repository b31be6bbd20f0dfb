#!/usr/bin/env python3
"""Failure detection across real processes: Fabric against serf, in one run.

Starts N members of each (serf agents with -profile=lan; `fabric node --profile lan`), waits
until every member sees every other alive, SIGKILLs one, and measures how long each surviving
member takes to report it failed (serf: status "failed" in `serf members`; Fabric: a
`fabric-event member node=X status=unreachable` line). Also records false positives: any other
member reported failed/unreachable during the run. Rounds alternate serf, Fabric, serf, ...
Prints one JSON object per round and implementation, the format of shared/bench/run.

    Benchmarks/detection.py [--rounds 3] [--members 5] [--fabric .build/release/fabric]
Needs `serf` (Debian package serf). Never part of `make test`.
"""
import argparse, json, os, signal, socket, statistics, subprocess, sys, tempfile, time

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]

def wait(predicate, timeout, interval=0.02):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    return None

class Serf:
    name = "serf"
    def __init__(self, members, directory):
        self.members = members
        self.directory = directory
        self.procs, self.rpc = {}, {}
    def start(self):
        bind = {}
        for i in range(self.members):
            name = f"s{i+1}"
            bind[name], self.rpc[name] = free_port(), free_port()
            log = open(os.path.join(self.directory, name + ".log"), "w")
            self.procs[name] = subprocess.Popen(
                ["serf", "agent", f"-node={name}", f"-bind=127.0.0.1:{bind[name]}",
                 f"-rpc-addr=127.0.0.1:{self.rpc[name]}", "-profile=lan", "-log-level=warn"],
                stdout=log, stderr=subprocess.STDOUT)
        first = "s1"
        for name in self.procs:
            if name == first: continue
            wait(lambda: subprocess.run(["serf", "join", f"-rpc-addr=127.0.0.1:{self.rpc[name]}",
                                         f"127.0.0.1:{bind[first]}"], capture_output=True).returncode == 0, 10)
    def statuses(self, observer):
        out = subprocess.run(["serf", "members", f"-rpc-addr=127.0.0.1:{self.rpc[observer]}", "-format=json"],
                             capture_output=True, text=True)
        if out.returncode != 0: return {}
        return {m["name"]: m["status"] for m in json.loads(out.stdout)["members"]}
    def failed(self, status): return status == "failed"
    def alive(self, status): return status == "alive"
    def stop(self):
        for p in self.procs.values():
            if p.poll() is None: p.kill()
            p.wait()

class Fabric:
    name = "fabric"
    def __init__(self, members, directory, binary):
        self.members, self.directory, self.binary = members, directory, binary
        self.procs, self.logs, self.offsets, self.view = {}, {}, {}, {}
    def start(self):
        ports = {f"f{i+1}": free_port() for i in range(self.members)}
        for name, port in ports.items():
            path = os.path.join(self.directory, name + ".log")
            self.logs[name], self.offsets[name], self.view[name] = path, 0, {}
            seeds = [] if name == "f1" else ["--seed", f"127.0.0.1:{ports['f1']}"]
            self.procs[name] = subprocess.Popen(
                [self.binary, "node", "--name", name, "--listen", f"127.0.0.1:{port}", "--profile", "lan"] + seeds,
                stdout=open(path, "w"), stderr=subprocess.STDOUT)
    def statuses(self, observer):
        with open(self.logs[observer]) as log:
            log.seek(self.offsets[observer])  # a byte offset: the log is ASCII
            for line in log:
                if not line.endswith("\n"): break  # written in part: read it next time
                self.offsets[observer] += len(line.encode())
                if "fabric-event member " not in line: continue
                fields = dict(w.split("=", 1) for w in line.split("fabric-event member ", 1)[1].split() if "=" in w)
                self.view[observer][fields["node"]] = fields["status"]
        return dict(self.view[observer])
    def failed(self, status): return status in ("unreachable", "down")
    def alive(self, status): return status in ("joined", "up", "reachable")
    def stop(self):
        for p in self.procs.values():
            if p.poll() is None: p.send_signal(signal.SIGTERM)
        for p in self.procs.values():
            try: p.wait(5)
            except subprocess.TimeoutExpired: p.kill(); p.wait()

def one_round(impl):
    impl.start()
    try:
        names = list(impl.procs)
        def converged():
            return all(all(impl.alive(impl.statuses(o).get(n, "")) for n in names if n != o) for o in names)
        if not wait(converged, 60, 0.1):
            raise RuntimeError(f"{impl.name}: members did not see each other within 60 s")
        time.sleep(3)  # steady state
        victim = names[-1]
        observers = names[:-1]
        impl.procs[victim].kill()
        killed = time.monotonic()
        seen, false_positives = {}, set()
        while len(seen) < len(observers) and time.monotonic() - killed < 60:
            for o in observers:
                view = impl.statuses(o)
                if o not in seen and impl.failed(view.get(victim, "")):
                    seen[o] = time.monotonic() - killed
                false_positives |= {n for n in observers if n != o and impl.failed(view.get(n, ""))}
            time.sleep(0.02)
        times = sorted(seen.values())
        return {"bench": "detection", "impl": impl.name, "members": len(names), "detected_by": len(seen),
                "first_s": round(times[0], 3) if times else None, "median_s": round(statistics.median(times), 3) if times else None,
                "all_s": round(times[-1], 3) if len(times) == len(observers) else None,
                "false_positives": len(false_positives)}
    finally:
        impl.stop()

def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--members", type=int, default=5)
    parser.add_argument("--fabric", default=".build/release/fabric")
    parser.add_argument("--only", choices=["serf", "fabric"])
    args = parser.parse_args()
    for _ in range(args.rounds):
        for kind in ["serf", "fabric"]:
            if args.only and kind != args.only: continue
            with tempfile.TemporaryDirectory() as directory:
                impl = Serf(args.members, directory) if kind == "serf" else Fabric(args.members, directory, args.fabric)
                print(json.dumps(one_round(impl)), flush=True)

if __name__ == "__main__":
    main()
