#if canImport(Glibc)
import Glibc
#endif
import Fabric
import FabricTestKit
import Synchronization

/// `fabric bench rpc`: remote calls between two processes, measured like `shared/bench/run`
/// measures its peers (warm-up, measured window, per-call latency as each caller sees it, CPU of
/// both processes), printed as one JSON line.
enum BenchCommand {
    static let usage = """
        usage: fabric bench rpc [--mode seq|rr|oneway] [--concurrency N] [--duration S] [--payload B]
                                [--oneway] [--callers default|loop] [--warmup S]
                                [--server-loops N] [--client-loops N] [--bulk BYTES] [--bulk-rate N]
          Starts a server process (`fabric bench serve`) and calls it from this process.
          rr: N callers, one call in flight each; seq: one caller; oneway (or --oneway): one
          stream of one-way calls. --callers loop runs the callers on an event loop instead of the
          default executor. --server-loops/--client-loops: event loops of each process (default
          1). --bulk BYTES: while the calls are measured, another task streams one-way calls of
          BYTES each to the same server over the same connection, and the measured calls go at
          control priority (the latency of control calls behind bulk; `bulk_per_s` in the output counts
          them). --bulk-rate N: at most N bulk messages a second (default: as fast as the
          transport takes them). Prints one JSON line in
          the format of shared/bench/run.
        usage: fabric bench connections [--count N]
          Opens N raw, then N handshaken connections to a server process and prints the extra
          resident memory of the server for each kind.
        """

    static func run(_ arguments: ArraySlice<String>) async -> Int32 {
        switch arguments.first {
        case "rpc": return await client(arguments.dropFirst())
        case "connections": return await BenchConnections.run(arguments.dropFirst())
        case "serve": return await BenchServer.run(arguments.dropFirst())
        case "--help", "-h":
            print(usage)
            return 0
        default:
            Arguments.fail("bench needs a benchmark name: rpc or connections", usage: usage)
        }
    }

    struct Options {
        var mode = "rr"
        var concurrency = 64
        var duration = 5.0
        var warmup = 1.0
        var payload = 8
        var onLoop = false
        var serverLoops = 1
        var clientLoops = 1
        /// Bytes of each one-way call streamed beside the measured calls (0: none).
        var bulk = 0
        /// Bulk messages per second (0: as fast as the transport takes them).
        var bulkRate = 0
    }

    static func parse(_ arguments: ArraySlice<String>) -> Options {
        let parsed = Arguments(
            arguments, valued: [
                "--mode", "--concurrency", "--duration", "--payload", "--callers", "--warmup", "--server-loops",
                "--client-loops", "--bulk", "--bulk-rate",
            ],
            booleans: ["--oneway"], usage: usage)
        guard parsed.positional.isEmpty else { Arguments.fail("unexpected argument \(parsed.positional[0])", usage: usage) }
        var options = Options()
        options.mode = parsed.has("--oneway") ? "oneway" : (parsed.value("--mode") ?? "rr")
        guard ["seq", "rr", "oneway"].contains(options.mode) else { Arguments.fail("--mode must be seq, rr or oneway", usage: usage) }
        options.concurrency = parsed.integer("--concurrency", default: 64, usage: usage, range: 1...100_000)
        if options.mode != "rr" { options.concurrency = 1 }
        options.duration = parsed.number("--duration", default: 5, usage: usage)
        options.warmup = parsed.number("--warmup", default: 1, usage: usage)
        options.payload = parsed.integer("--payload", default: 8, usage: usage, range: 1...(8 << 20))
        options.serverLoops = parsed.integer("--server-loops", default: 1, usage: usage, range: 1...256)
        options.clientLoops = parsed.integer("--client-loops", default: 1, usage: usage, range: 1...256)
        options.bulk = parsed.integer("--bulk", default: 0, usage: usage, range: 0...16_000_000)
        options.bulkRate = parsed.integer("--bulk-rate", default: 0, usage: usage, range: 0...100_000)
        if options.bulk > 0, options.mode == "oneway" { Arguments.fail("--bulk measures calls, not --oneway", usage: usage) }
        switch parsed.value("--callers") {
        case nil, "default": options.onLoop = false
        case "loop": options.onLoop = true
        default: Arguments.fail("--callers must be default or loop", usage: usage)
        }
        return options
    }

    static func client(_ arguments: ArraySlice<String>) async -> Int32 {
        let options = parse(arguments)
        let servers: ProcessCluster
        do {
            servers = try ProcessCluster(
                executable: DemoCommand.ownExecutable(), names: [BenchServer.name.name],
                arguments: .template(
                    ["bench", "serve", "--name", "{name}", "--listen", "{listen}", "--loops", String(options.serverLoops)],
                    seedFlag: nil))
            try await servers.start()
        } catch {
            printError("fabric bench: cannot start the server: \(error)")
            return 1
        }
        let server = servers.nodes[0]
        let port = server.port
        defer { server.kill() }
        do {
            var configuration = FabricNodeConfiguration.client(
                name: NodeId(uncheckedValid: "bench-client"), seeds: [NodeAddress(uncheckedHost: "127.0.0.1", port: port)])
            configuration.cluster = "bench"
            configuration.loopCount = options.clientLoops
            let client = try FabricNode(configuration)
            try await EchoCommand.waitUntilKnown(BenchServer.name, by: client, timeout: .seconds(10))
            let echo = try BenchEcho.resolve(id: .wellKnown("bench", on: BenchServer.name), using: client.system)
            let line: String
            if options.mode == "oneway", options.onLoop {
                line = try await withTaskExecutorPreference(client.system.loopTaskExecutor()) {
                    try await measureOneWay(echo, options: options, serverPID: server.pid ?? 0)
                }
            } else if options.mode == "oneway" {
                line = try await measureOneWay(echo, options: options, serverPID: server.pid ?? 0)
            } else if options.onLoop {
                line = try await withTaskExecutorPreference(client.system.loopTaskExecutor()) {
                    try await measureCalls(echo, options: options, serverPID: server.pid ?? 0)
                }
            } else {
                line = try await measureCalls(echo, options: options, serverPID: server.pid ?? 0)
            }
            printLine(line)
            await client.leave()
            return 0
        } catch {
            printError("fabric bench: \(error)")
            return 1
        }
    }

    static func measureCalls(_ echo: BenchEcho, options: Options, serverPID: Int32) async throws -> String {
        let payload = [UInt8](repeating: 0xAB, count: options.payload)
        let phase = BenchPhase()
        let callers = options.concurrency
        let priority: CallPriority = options.bulk > 0 ? .control : .normal
        let bulkSender: Task<Void, any Error>? = options.bulk > 0 ? Task {
            let bulk = [UInt8](repeating: 0xBB, count: options.bulk)
            try await withCallOptions(timeout: .seconds(120), oneWay: true) {
                let start = CPUTime.nanos()
                var sent: UInt64 = 0
                while phase.value.load(ordering: .relaxed) != 2 {
                    if options.bulkRate > 0 {
                        // Paced: message n goes at n / rate seconds after the start.
                        let due = start + sent * 1_000_000_000 / UInt64(options.bulkRate)
                        let now = CPUTime.nanos()
                        if due > now { try await Task.sleep(for: .nanoseconds(Int64(due - now))) }
                    }
                    sent += 1
                    try await echo.sink(bulk)
                    if phase.value.load(ordering: .relaxed) == 1 { phase.bulkSent.add(1, ordering: .relaxed) }
                }
            }
        } : nil
        let (seconds, cpu, samples) = try await withThrowingTaskGroup(of: [UInt64].self) { group in
            for _ in 0..<callers {
                group.addTask {
                    var latencies: [UInt64] = []
                    latencies.reserveCapacity(1 << 16)
                    while true {
                        let start = CPUTime.nanos()
                        let answer = try await withCallOptions(priority: priority) { try await echo.bytes(payload) }
                        let end = CPUTime.nanos()
                        guard answer.count == payload.count else { throw FabricError.serialization("wrong echo") }
                        switch phase.value.load(ordering: .relaxed) {
                        case 1: latencies.append(end - start)
                        case 2: return latencies
                        default: continue
                        }
                    }
                }
            }
            try await Task.sleep(for: .milliseconds(Int64(options.warmup * 1000)))
            let cpu0 = CPUTime.seconds(of: getpid()) + CPUTime.seconds(of: serverPID), t0 = CPUTime.nanos()
            phase.value.store(1, ordering: .relaxed)
            try await Task.sleep(for: .milliseconds(Int64(options.duration * 1000)))
            phase.value.store(2, ordering: .relaxed)
            let t1 = CPUTime.nanos(), cpu1 = CPUTime.seconds(of: getpid()) + CPUTime.seconds(of: serverPID)
            var all: [UInt64] = []
            for try await latencies in group { all += latencies }
            return (Double(t1 - t0) / 1e9, cpu1 - cpu0, all)
        }
        try await bulkSender?.value
        let sorted = samples.sorted()
        func percentile(_ p: Double) -> Double {
            guard !sorted.isEmpty else { return 0 }
            let rank = max(1, Int((p * Double(sorted.count)).rounded(.up)))
            return Double(sorted[rank - 1]) / 1000
        }
        let impl = options.onLoop ? "fabric-loop" : "fabric"
        return #"{"bench":"rpc","impl":"\#(impl)","mode":"\#(options.mode)","concurrency":\#(callers),"#
            + #""payload":\#(options.payload),"calls_per_s":\#(fixed(Double(sorted.count) / seconds, 0)),"#
            + #""p50_us":\#(fixed(percentile(0.5), 1)),"p99_us":\#(fixed(percentile(0.99), 1)),"#
            + #""cpu_s":\#(fixed(cpu, 2)),"duration_s":\#(fixed(seconds, 2))"#
            + (options.bulk > 0
                ? #","p999_us":\#(fixed(percentile(0.999), 1)),"max_us":\#(fixed(percentile(1), 1)),"#
                    + #""bulk_bytes":\#(options.bulk),"bulk_per_s":\#(fixed(Double(phase.bulkSent.load(ordering: .relaxed)) / seconds, 1))}"#
                : "}")
    }

    static func measureOneWay(_ echo: BenchEcho, options: Options, serverPID: Int32) async throws -> String {
        let payload = [UInt8](repeating: 0xAB, count: options.payload)
        func stream(for seconds: Double) async throws -> Int {
            let end = CPUTime.nanos() + UInt64(seconds * 1e9)
            var sent = 0
            try await withCallOptions(oneWay: true) {
                while CPUTime.nanos() < end {
                    for _ in 0..<64 { try await echo.sink(payload) }
                    sent += 64
                    // On a loop, the sends of one job go out in one write at the end of the
                    // loop's turn: give the loop its turn every 64 messages (as the NIO peer
                    // flushes every 64).
                    if options.onLoop { await Task.yield() }
                }
            }
            return sent
        }
        /// Waits until the server has counted `target` messages in total.
        func confirm(_ target: Int) async throws {
            while true {
                // Queued behind every one-way message still in flight: give it time.
                let count = try await withCallOptions(timeout: .seconds(120)) { try await echo.sinkCount() }
                if getenv("FABRIC_BENCH_DEBUG") != nil { printError("confirm: \(count) of \(target)") }
                if count >= target { return }
                try await Task.sleep(for: .milliseconds(1))
            }
        }
        let warm = try await stream(for: options.warmup)
        try await confirm(warm)
        let cpu0 = CPUTime.seconds(of: getpid()) + CPUTime.seconds(of: serverPID), t0 = CPUTime.nanos()
        let sent = try await stream(for: options.duration)
        try await confirm(warm + sent)
        let t1 = CPUTime.nanos(), cpu1 = CPUTime.seconds(of: getpid()) + CPUTime.seconds(of: serverPID)
        let seconds = Double(t1 - t0) / 1e9
        let impl = options.onLoop ? "fabric-loop" : "fabric"
        return #"{"bench":"rpc","impl":"\#(impl)","mode":"oneway","concurrency":1,"payload":\#(options.payload),"#
            + #""msgs_per_s":\#(fixed(Double(sent) / seconds, 0)),"cpu_s":\#(fixed(cpu1 - cpu0, 2)),"#
            + #""duration_s":\#(fixed(seconds, 2))}"#
    }

    /// A non-negative number with a fixed count of decimals.
    static func fixed(_ value: Double, _ decimals: Int) -> String {
        var scale = 1
        for _ in 0..<decimals { scale *= 10 }
        let scaled = Int((value * Double(scale)).rounded())
        guard decimals > 0 else { return String(scaled) }
        let fraction = String(scaled % scale)
        return "\(scaled / scale)." + String(repeating: "0", count: decimals - fraction.count) + fraction
    }
}

/// Monotonic time and per-process CPU time.
enum CPUTime {
    static func nanos() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
    }

    /// User + system CPU seconds of a process, from /proc/PID/stat.
    static func seconds(of pid: Int32) -> Double {
        let fd = open("/proc/\(pid)/stat", O_RDONLY)
        guard fd >= 0 else { return 0 }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 1024)
        let count = read(fd, &buffer, buffer.count)
        guard count > 0 else { return 0 }
        let text = String(decoding: buffer[..<count], as: UTF8.self)
        guard let paren = text.lastIndex(of: ")") else { return 0 }
        let fields = text[text.index(after: paren)...].split(separator: " ")
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return 0 }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }
}

/// Warm-up (0), measuring (1), done (2): read by every caller after each call.
final class BenchPhase: Sendable {
    let value = Atomic<Int>(0)
    /// Bulk messages handed to the transport while measuring (`--bulk`).
    let bulkSent = Atomic<Int>(0)
}
