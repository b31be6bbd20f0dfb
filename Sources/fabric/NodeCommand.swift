#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import Fabric
import FabricTestKit
import Synchronization

/// `fabric node`: runs a node hosting `echo` and `counter` until SIGINT or SIGTERM.
enum NodeCommand {
    static let usage = """
        usage: fabric node --name NAME --listen HOST:PORT [--seed HOST:PORT]... [--cluster NAME]
                           [--loops N] [--log-level debug|info|warning|error]
                           [--profile lan|wan|test] [--no-membership] [--stable-after SECONDS]
          Runs a node that hosts the sample actors `echo` and `counter` until SIGINT/SIGTERM.
          Membership (SWIM with Lifeguard, keep-majority downing) runs with the profile's timings
          (default lan: memberlist's LAN defaults; test: short intervals); --stable-after sets how
          long a partition must be stable before the majority downs the other side (default 20 s,
          3 s in test). Prints `fabric-event ...` lines (ready, peer-up, peer-down, and member
          node=N status=S generation=G for every membership event) for scripts and the test kit.
          Exits 0 after SIGINT/SIGTERM, 3 when the cluster declared this node down (a supervisor
          should start a new process: it joins with a new generation).
          --partition-file PATH (for tests): the node names listed in PATH (whitespace-separated,
          re-read every 100 ms) are cut off from this node as by a broken network.
        """

    static func run(_ arguments: ArraySlice<String>) async -> Int32 {
        let parsed = Arguments(
            arguments,
            valued: [
                "--name", "--listen", "--seed", "--cluster", "--log-level", "--loops", "--profile", "--stable-after",
                "--partition-file",
            ],
            booleans: ["--no-membership"], usage: usage)
        guard parsed.positional.isEmpty else { Arguments.fail("unexpected argument \(parsed.positional[0])", usage: usage) }
        guard let name = parsed.nodeName("--name", usage: usage) else { Arguments.fail("--name is required", usage: usage) }
        guard let listen = parsed.address("--listen", usage: usage) else {
            Arguments.fail("--listen is required", usage: usage)
        }
        var configuration = FabricNodeConfiguration(name: name, listen: listen, seeds: parsed.addresses("--seed", usage: usage))
        if let cluster = parsed.value("--cluster") { configuration.cluster = cluster }
        configuration.logLevel = logLevel(parsed.value("--log-level"), usage: usage)
        configuration.membership = membership(parsed, usage: usage)
        if parsed.value("--loops") != nil {
            configuration.loopCount = parsed.integer("--loops", default: 1, usage: usage, range: 1...256)
        }

        _ = ParentWatch.exitWithParentIfRequested()
        let node: FabricNode
        do {
            node = try FabricNode(configuration)
        } catch {
            printError("fabric: cannot start node \(name): \(error)")
            return 1
        }
        // Subscribed here, before anything else happens: the seeds already dialed are replayed.
        let events = node.events
        let peerLines = Task {
            // A subscription that fell behind ends with `rejected`: subscribe again.
            var events = events
            while !Task.isCancelled {
                do {
                    for try await event in events {
                        if event.kind == .connected {
                            printLine(NodeEvent.peerUp(node: event.node.name).line)
                        } else if event.kind == .disconnected || event.kind == .restarted {
                            printLine(NodeEvent.peerDown(node: event.node.name).line)
                        } else if event.kind.isMembership {
                            printLine(NodeEvent.member(
                                node: event.node.name, status: event.kind.description,
                                generation: String(event.generation, radix: 16)).line)
                            if event.kind == .down, event.node == name, event.generation == node.generation {
                                printError("fabric: node \(name) was declared down by the cluster; exiting (a new process joins afresh)")
                                exit(3)
                            }
                        }
                    }
                    return
                } catch {
                    events = node.events
                }
            }
        }
        let partitionWatch = parsed.value("--partition-file").map { path in
            Task { await watchPartitionFile(path, node: node) }
        }
        let system = node.system
        do {
            _ = try system.make(name: "echo") { EchoActor(actorSystem: system) }
            _ = try system.make(name: "counter") { CounterActor(actorSystem: system) }
        } catch {
            printError("fabric: cannot start the sample actors: \(error)")
            return 1
        }
        let address = node.advertisedAddress?.description ?? listen.description
        printLine(NodeEvent.ready(node: name.name, listen: address, generation: String(node.generation, radix: 16)).line)
        await waitForTerminationSignal()
        printLine("fabric-event stopping node=\(name)")
        partitionWatch?.cancel()
        await node.leave()
        peerLines.cancel()
        return 0
    }

    /// Applies the partition listed in `path` whenever it changes (a missing file is no
    /// partition), until cancelled.
    static func watchPartitionFile(_ path: String, node: FabricNode) async {
        var current: Set<NodeId> = []
        while !Task.isCancelled {
            var names: Set<NodeId> = []
            if let file = fopen(path, "r") {
                var buffer = [CChar](repeating: 0, count: 4096)
                var text = ""
                while fgets(&buffer, Int32(buffer.count), file) != nil {
                    text += String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
                    if text.utf8.count > Limits.partitionFileBytesMax { break }
                }
                fclose(file)
                for word in text.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" }) {
                    if let name = NodeId(validating: String(word)) { names.insert(name) }
                }
            }
            if names != current {
                current = names
                node.setPartition(blocked: names)
            }
            try? await Task.sleep(for: .milliseconds(100))
        }
    }

    /// The membership settings the flags ask for.
    static func membership(_ parsed: Arguments, usage: String) -> MembershipConfiguration? {
        if parsed.has("--no-membership") { return nil }
        let profile: MembershipConfiguration.Profile
        switch parsed.value("--profile") {
        case nil, "lan": profile = .lan
        case "wan": profile = .wan
        case "test": profile = .test
        default: Arguments.fail("--profile must be lan, wan or test", usage: usage)
        }
        var membership = MembershipConfiguration(profile: profile)
        if parsed.value("--stable-after") != nil {
            let seconds = parsed.number("--stable-after", default: 20, usage: usage)
            guard seconds > 0, seconds <= 3600 else { Arguments.fail("--stable-after must be in (0, 3600] seconds", usage: usage) }
            membership.stableAfter = .milliseconds(Int64(seconds * 1000))
        }
        return membership
    }

    static func logLevel(_ text: String?, usage: String) -> LogLevel {
        switch text {
        case nil, "warning": .warning
        case "debug": .debug
        case "info": .info
        case "error": .error
        default: Arguments.fail("--log-level must be debug, info, warning or error", usage: usage)
        }
    }
}

/// Suspends until SIGINT or SIGTERM arrives. (Nodes started by the test kit also exit when the
/// test process is gone: `ParentWatch`.)
func waitForTerminationSignal() async {
    signal(SIGINT, SIG_IGN)
    signal(SIGTERM, SIG_IGN)
    await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
        let queue = DispatchQueue(label: "fabric.signals")
        let once = OnceFlag()
        var sources: [DispatchSourceProtocol] = []
        for number in [SIGINT, SIGTERM] {
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler { if once.claim() { continuation.resume() } }
            source.resume()
            sources.append(source)
        }
        SignalSources.keep(sources)
    }
}

/// True exactly once.
final class OnceFlag: Sendable {
    private let claimed = Atomic<Bool>(false)
    func claim() -> Bool { !claimed.exchange(true, ordering: .acquiringAndReleasing) }
}

/// Keeps dispatch sources alive for the life of the process.
enum SignalSources {
    nonisolated(unsafe) private static var kept: [DispatchSourceProtocol] = []
    static func keep(_ sources: [DispatchSourceProtocol]) { kept += sources }
}
