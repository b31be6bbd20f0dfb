import Fabric
import FabricTestKit
import Foundation
import Testing

/// Membership across real `fabric node` processes with the test profile's short intervals
/// (probe every 200 ms, suspicion 0.8–4.8 s, keep-majority stable-after 3 s): a node killed,
/// paused long or briefly, leaving, and restarting, as issue 9 asks. Waits are on the nodes'
/// `fabric-event member` lines; the bounds are safety margins for a loaded machine, not the
/// figures (those are measured by `Benchmarks/detection.py` and `fabric simulate swim`).
///
/// Run on their own (`make test` runs them after the parallel suite): five processes each,
/// probing every 200 ms, beside dozens of other tests, would measure the machine's load.
@Suite(.serialized) struct MembershipProcessTests {
    static let names = ["n1", "n2", "n3", "n4", "n5"]

    static func startCluster() async throws -> ProcessCluster {
        let fabric = try #require(ProcessCluster.locateExecutable(named: "fabric"), "build the `fabric` product first")
        let cluster = try ProcessCluster(
            executable: fabric, names: names,
            arguments: .template(["node", "--name", "{name}", "--listen", "{listen}", "--profile", "test"]))
        try await cluster.start()
        try await cluster.waitUntilMembersSeeEachOther(timeout: .seconds(60))
        return cluster
    }

    /// Every `status=down` line a node printed about a member other than `excused`.
    static func wrongDowns(in cluster: ProcessCluster, excused: Set<String>) -> [String] {
        cluster.nodes.flatMap { node in
            node.log().split(separator: "\n").filter { line in
                guard line.contains("fabric-event member "), line.contains("status=down") else { return false }
                return !excused.contains { line.contains("node=\($0) ") }
            }.map { "\(node.name): \($0)" }
        }
    }

    static func client(via entry: String) throws -> FabricNode {
        var configuration = FabricNodeConfiguration.client(
            name: try NodeId("membership-client"), seeds: [try NodeAddress(parsing: entry)])
        configuration.loopCount = 1
        return try FabricNode(configuration)
    }

    /// SIGKILL one of five: every other member reports it down (keep-majority: four of five
    /// reachable, stable for 3 s), and nobody else is ever declared down.
    @Test func aKilledNodeIsDownEverywhere() async throws {
        let cluster = try await Self.startCluster()
        cluster["n5"].kill()
        let seen = try await cluster.waitUntil("n5", is: "down", timeout: .seconds(45))
        #expect(seen.count == 4)
        #expect(Self.wrongDowns(in: cluster, excused: ["n5"]).isEmpty, "\(Self.wrongDowns(in: cluster, excused: ["n5"]))")
        let client = try Self.client(via: cluster["n1"].listenAddress)
        let entry = try await client.waitForEntryNode(timeout: .seconds(10))
        let table = try await withCallOptions(timeout: .seconds(5)) { try await client.members(of: entry) }
        #expect(table.first { $0.name.name == "n5" }?.status == .down)
        #expect(table.filter { $0.status == .alive }.count == 4)
        await client.leave()
    }

    /// SIGSTOP one past the suspicion timeout: it is declared down, a call pending to it fails
    /// with `nodeDown` then (not at its 60 s deadline), and once resumed it learns it was downed
    /// and exits with status 3.
    @Test func aNodePausedLongIsDownAndItsPendingCallsFail() async throws {
        let cluster = try await Self.startCluster()
        let client = try Self.client(via: cluster["n1"].listenAddress)
        let entry = try await client.waitForEntryNode(timeout: .seconds(10))
        let relay = try EchoActor.resolve(id: .wellKnown("echo", on: entry), using: client.system)
        #expect(try await withCallOptions(timeout: .seconds(5)) { try await relay.relay("before", to: "n5") } == "before via n5")
        cluster["n5"].stop()
        let started = ContinuousClock.now
        let pending = Task {
            try await withCallOptions(timeout: .seconds(60)) { try await relay.relay("pending", to: "n5") }
        }
        try await cluster.waitUntil("n5", is: "down", timeout: .seconds(45))
        let outcome = await pending.result
        let waited = ContinuousClock.now - started
        switch outcome {
        case .success(let answer):
            Issue.record("the call to a paused node answered: \(answer)")
        case .failure(let error):
            #expect("\(error)".contains("nodeDown"), "\(error)")
            #expect(waited < .seconds(50), "the pending call ended at its deadline, not when n5 was declared down")
        }
        #expect(Self.wrongDowns(in: cluster, excused: ["n5"]).isEmpty)
        cluster["n5"].resume()
        #expect(try await cluster["n5"].waitForExit(timeout: .seconds(30)) == 3)
        await client.leave()
    }

    /// SIGSTOP one for 700 ms — past a few probe periods (so it is likely suspected), under the
    /// suspicion timeout plus the stable-after window — then SIGCONT: it refutes and is never
    /// declared down (watched for longer than the longest suspicion plus the stable-after window).
    @Test func aNodePausedBrieflyIsNeverDown() async throws {
        let cluster = try await Self.startCluster()
        cluster["n5"].stop()
        try await Task.sleep(for: .milliseconds(700))
        cluster["n5"].resume()
        try await Task.sleep(for: .seconds(10))
        #expect(Self.wrongDowns(in: cluster, excused: []).isEmpty, "\(Self.wrongDowns(in: cluster, excused: []))")
        #expect(cluster["n5"].isRunning)
        try await cluster.waitUntilMembersSeeEachOther(timeout: .seconds(20))
    }

    /// SIGTERM one: it leaves gracefully, every other member reports it left, then removes it.
    @Test func aNodeThatLeavesIsRemovedEverywhere() async throws {
        let cluster = try await Self.startCluster()
        await cluster["n5"].terminate()
        try await cluster.waitUntil("n5", is: "left", sinceNow: false, timeout: .seconds(15))
        try await cluster.waitUntil("n5", is: "removed", sinceNow: false, timeout: .seconds(30))
        #expect(Self.wrongDowns(in: cluster, excused: []).isEmpty)
    }

    /// A 3|2 partition (the drop rule of `fabric node --partition-file`: each side refuses the
    /// other's connections, calls and handshakes): the minority (n4, n5) downs itself and its
    /// processes exit with status 3; the majority downs n4 and n5 and keeps serving calls.
    @Test func aPartitionsMinorityDownsItselfAndTheMajorityGoesOn() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("fabric-partition-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let fabric = try #require(ProcessCluster.locateExecutable(named: "fabric"), "build the `fabric` product first")
        let cluster = try ProcessCluster(
            executable: fabric, names: Self.names,
            arguments: .template([
                "node", "--name", "{name}", "--listen", "{listen}", "--profile", "test",
                "--partition-file", directory + "/{name}",
            ]))
        try await cluster.start()
        try await cluster.waitUntilMembersSeeEachOther(timeout: .seconds(60))
        let majority = ["n1", "n2", "n3"], minority = ["n4", "n5"]
        for name in majority { try minority.joined(separator: " ").write(toFile: directory + "/" + name, atomically: true, encoding: .utf8) }
        for name in minority { try majority.joined(separator: " ").write(toFile: directory + "/" + name, atomically: true, encoding: .utf8) }
        for name in minority {
            try await cluster.waitUntil(name, is: "down", by: majority, sinceNow: false, timeout: .seconds(45))
            #expect(try await cluster[name].waitForExit(timeout: .seconds(45)) == 3, "\(name) should down itself and exit")
        }
        // The majority downs nobody of its own side. (The minority's own view does not count:
        // when its view kept changing past the window it takes keep-majority's down-all path,
        // downing everyone it sees and itself, and exits either way.)
        let wrong = Self.wrongDowns(in: cluster, excused: Set(minority)).filter { line in majority.contains { line.hasPrefix($0 + ":") } }
        #expect(wrong.isEmpty, "\(wrong)")
        let client = try Self.client(via: cluster["n1"].listenAddress)
        let entry = try await client.waitForEntryNode(timeout: .seconds(10))
        let relay = try EchoActor.resolve(id: .wellKnown("echo", on: entry), using: client.system)
        #expect(try await withCallOptions(timeout: .seconds(5)) { try await relay.relay("still", to: "n3") } == "still via n3")
        await client.leave()
    }

    /// A node killed and restarted joins again with a new generation; everyone sees the new
    /// process alive, and calls to it work.
    @Test func aRestartedNodeRejoinsWithANewGeneration() async throws {
        let cluster = try await Self.startCluster()
        let before = try #require(cluster["n5"].generation)
        cluster["n5"].kill()
        try await cluster.waitUntil("n5", is: "down", timeout: .seconds(45))
        try await cluster["n5"].restart()
        let after = try #require(cluster["n5"].generation)
        #expect(before != after)
        try await cluster.waitUntilMembersSeeEachOther(timeout: .seconds(30))
        let client = try Self.client(via: cluster["n1"].listenAddress)
        let entry = try await client.waitForEntryNode(timeout: .seconds(10))
        let relay = try EchoActor.resolve(id: .wellKnown("echo", on: entry), using: client.system)
        #expect(try await withCallOptions(timeout: .seconds(5)) { try await relay.relay("again", to: "n5") } == "again via n5")
        await client.leave()
    }
}
