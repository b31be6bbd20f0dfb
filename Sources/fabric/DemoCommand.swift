#if canImport(Glibc)
import Glibc
#endif
import Fabric
import FabricTestKit

/// `fabric demo`: a local 3-node cluster as separate processes, calls across it, a node killed
/// and restarted — in readable output — and everything it started stopped at the end.
enum DemoCommand {
    static let usage = """
        usage: fabric demo
          Starts three `fabric node` processes (alpha, beta, gamma) on free loopback ports, calls
          `echo` and `counter` on every node through a client, kills gamma with SIGKILL, shows
          calls to it failing within their deadline while the others keep working and the
          others' membership declaring it unreachable, then down, restarts it,
          shows calls succeeding again, and stops everything it started.
        """

    static func run(_ arguments: ArraySlice<String>) async -> Int32 {
        let parsed = Arguments(arguments, valued: [], usage: usage)
        guard parsed.positional.isEmpty else { Arguments.fail("unexpected argument \(parsed.positional[0])", usage: usage) }
        let executable = ownExecutable()
        let names = ["alpha", "beta", "gamma"]
        let cluster: ProcessCluster
        do {
            // The test profile's short intervals keep the demo quick (suspicion under 5 s,
            // downing after a 3 s stable view); a node runs `--profile lan` unless told.
            cluster = try ProcessCluster(
                executable: executable, names: names,
                arguments: .template(["node", "--name", "{name}", "--listen", "{listen}", "--profile", "test"]))
        } catch {
            printError("fabric demo: \(error)")
            return 1
        }
        do {
            try await script(cluster, names: names)
            await cluster.shutdown()
            step("stopped all three nodes; done")
            return 0
        } catch {
            printError("fabric demo failed: \(error)")
            printError(cluster.logsOnFailure())
            await cluster.shutdown()
            return 1
        }
    }

    private static func script(_ cluster: ProcessCluster, names: [String]) async throws {
        step("starting 3 nodes as separate processes")
        try await cluster.start()
        for node in cluster.nodes {
            say("\(node.name) pid \(node.pid ?? 0) listening on \(node.listenAddress)")
        }
        try await cluster.waitUntilConnected(timeout: .seconds(20))
        say("every node is connected to every other")

        let entry = try NodeAddress(parsing: cluster["alpha"].listenAddress)
        let client = try EchoCommand.startClient(via: entry, cluster: nil)
        step("a client joins through alpha and calls every node")
        for name in names {
            try await EchoCommand.waitUntilKnown(NodeId(name), by: client, timeout: .seconds(10))
        }
        try await callEveryNode(client, names: names, expectDown: [])

        try await cluster.waitUntilMembersSeeEachOther(timeout: .seconds(20))
        try await showMembers(client, "the membership table as alpha sees it")

        step("killing gamma with SIGKILL")
        cluster["gamma"].kill()
        // Watched from the kill on, while the calls below run.
        async let unreachable = cluster.waitUntil("gamma", is: "unreachable", by: ["alpha", "beta"], timeout: .seconds(30))
        async let down = cluster.waitUntil("gamma", is: "down", by: ["alpha", "beta"], timeout: .seconds(40))
        try await callEveryNode(client, names: names, expectDown: ["gamma"])
        let unreachableAfter = try await unreachable
        let downAfter = try await down
        for name in ["alpha", "beta"] {
            say("\(name) found gamma unreachable \(format(unreachableAfter[name] ?? .zero)) after the kill (probes, ping-requests, suspicion), "
                + "and down after \(format(downAfter[name] ?? .zero)) (keep-majority: 2 of 3 reachable, view stable for 3 s)")
        }
        try await showMembers(client, "the membership table as alpha sees it now")

        step("restarting gamma (same port, new process generation)")
        try await cluster["gamma"].restart()
        try await cluster.waitUntilConnected(timeout: .seconds(20))
        say("gamma is back: pid \(cluster["gamma"].pid ?? 0)")
        try await waitUntilAnswers(client, name: "gamma", timeout: .seconds(10))
        try await callEveryNode(client, names: names, expectDown: [])
        await client.leave()
    }

    private static func showMembers(_ client: FabricNode, _ title: String) async throws {
        let entry = try NodeId("alpha")
        let members = try await withCallOptions(timeout: .seconds(5)) { try await client.members(of: entry) }
        say(title + ":")
        for line in MembersCommand.table(members) { say("  " + line) }
    }

    private static func callEveryNode(_ client: FabricNode, names: [String], expectDown: Set<String>) async throws {
        for name in names {
            let node = try NodeId(name)
            let echo = try EchoActor.resolve(id: .wellKnown("echo", on: node), using: client.system)
            let counter = try CounterActor.resolve(id: .wellKnown("counter", on: node), using: client.system)
            let clock = ContinuousClock()
            let start = clock.now
            do {
                let (answer, count) = try await withCallOptions(timeout: .seconds(1)) {
                    (try await echo.echo("hello \(name)"), try await counter.increment(by: 1))
                }
                let elapsed = clock.now - start
                say("\(name): echo \"\(answer)\", counter \(count)  (\(format(elapsed)))")
                if expectDown.contains(name) { throw FabricError.rejected("\(name) answered although it was killed") }
            } catch let error as FabricError where expectDown.contains(name) {
                say("\(name): failed as expected after \(format(clock.now - start)): \(error.code) — \(error.message)")
            }
        }
    }

    private static func waitUntilAnswers(_ client: FabricNode, name: String, timeout: Duration) async throws {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        let echo = try EchoActor.resolve(id: .wellKnown("echo", on: NodeId(name)), using: client.system)
        while true {
            do {
                _ = try await withCallOptions(timeout: .milliseconds(500)) { try await echo.echo("ping") }
                return
            } catch {
                guard clock.now < deadline else { throw error }
                try await Task.sleep(for: .milliseconds(100))
            }
        }
    }

    private static func step(_ text: String) { printLine("\n== \(text)") }
    private static func say(_ text: String) { printLine("   \(text)") }

    static func format(_ duration: Duration) -> String {
        let microseconds = duration.microseconds
        if microseconds < 10_000 { return "\(microseconds) µs" }
        return "\(microseconds / 1000) ms"
    }

    /// The path of this very binary, so the demo starts nodes of the same build.
    static func ownExecutable() -> String {
        var buffer = [CChar](repeating: 0, count: 4096)
        let length = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard length > 0 else { return CommandLine.arguments[0] }
        return String(decoding: buffer[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
