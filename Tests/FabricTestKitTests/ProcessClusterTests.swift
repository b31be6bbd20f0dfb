import Glibc
import Testing
@testable import FabricTestKit

@Suite struct ProcessClusterTests {
    @Test func startsNodesInOrderWithSeedsFromRunningPeers() async throws {
        let show = try PuppetShow()
        let cluster = try ProcessCluster(executable: show.executable, names: ["a", "b", "c"],
                                         environment: ["CUSTOM": "x-{name}"])
        try await cluster.start(readyTimeout: patience)
        let (a, b, c) = (cluster["a"], cluster["b"], cluster["c"])
        #expect(Set(cluster.nodes.map(\.port)).count == 3)
        #expect(a.log().contains("args name=a listen=127.0.0.1:\(a.port) seeds=[ ]"))
        #expect(b.log().contains("seeds=[ \(a.listenAddress) ]"))
        #expect(c.log().contains("seeds=[ \(a.listenAddress) \(b.listenAddress) ]"))
        #expect(b.log().contains("env parent=\(getpid()) custom=x-b"))
        for node in cluster.nodes {
            let pid = try #require(node.pid)
            #expect(node.generation == String(pid, radix: 16))
        }
        await cluster.shutdown()
    }

    @Test func restartKeepsThePortAndChangesThePid() async throws {
        let show = try PuppetShow()
        let cluster = try ProcessCluster(executable: show.executable, names: ["a", "b", "c"])
        try await cluster.start(readyTimeout: patience)
        let a = cluster["a"]
        let (oldPid, oldGeneration, oldLog) = (try #require(a.pid), a.generation, a.logPath)
        try await show.say(to: a, "said before the restart")
        try await a.restart(readyTimeout: patience)
        #expect(kill(oldPid, 0) == -1 && errno == ESRCH)
        #expect(a.pid != nil && a.pid != oldPid)
        #expect(a.generation != nil && a.generation != oldGeneration)
        #expect(a.logPath.hasSuffix("/a.2.log") && oldLog.hasSuffix("/a.1.log"))
        #expect(a.log().contains("listen=127.0.0.1:\(a.port)"))
        #expect(a.log().contains("seeds=[ \(cluster["b"].listenAddress) \(cluster["c"].listenAddress) ]"))
        #expect(!a.log().contains("said before the restart"))
        #expect(LogFile.text(oldLog).contains("said before the restart"))
        await cluster.shutdown()
    }

    @Test func waitUntilConnectedFollowsPeerEvents() async throws {
        let show = try PuppetShow()
        let cluster = try ProcessCluster(executable: show.executable, names: ["a", "b", "c"])
        try await cluster.start(readyTimeout: patience)
        try await expectNotConnected(cluster, missing: "a does not see [\"b\", \"c\"]")
        try await show.peerUp(cluster["a"], "b", "c")
        try await show.peerUp(cluster["b"], "a", "c")
        try await show.peerUp(cluster["c"], "a")
        try await expectNotConnected(cluster, missing: "c does not see [\"b\"]")
        try await show.peerUp(cluster["c"], "b")
        try await cluster.waitUntilConnected(timeout: patience)

        try await show.say(to: cluster["a"], NodeEvent.peerDown(node: "b").line)
        try await expectNotConnected(cluster, missing: "a does not see [\"b\"]")
        try await show.peerUp(cluster["a"], "b")
        try await cluster.waitUntilConnected(timeout: patience)
        await cluster.shutdown()
    }

    @Test func waitUntilConnectedFollowsRestartsKillsAndStops() async throws {
        let show = try PuppetShow()
        let cluster = try ProcessCluster(executable: show.executable, names: ["a", "b", "c"])
        try await cluster.start(readyTimeout: patience)
        try await show.peerUp(cluster["a"], "b", "c")
        try await show.peerUp(cluster["b"], "a", "c")
        try await show.peerUp(cluster["c"], "a", "b")
        try await cluster.waitUntilConnected(timeout: patience)

        try await cluster["c"].restart(readyTimeout: patience)  // its new log has no peer-up yet
        try await expectNotConnected(cluster, missing: "c does not see [\"a\", \"b\"]")
        try await show.peerUp(cluster["c"], "a", "b")
        try await cluster.waitUntilConnected(timeout: patience)

        cluster["c"].kill()  // a and b still print peer-up c: only running nodes are required
        cluster["b"].stop()
        try await show.say(
            to: cluster["a"], NodeEvent.peerDown(node: "b").line, NodeEvent.peerDown(node: "c").line)
        try await cluster.waitUntilConnected(timeout: patience)
        cluster["b"].resume()
        try await expectNotConnected(cluster, missing: "a does not see [\"b\"]")
        await cluster.shutdown()
    }

    @Test func startFailsWhenANodeExitsBeforeReady() async throws {
        let scratch = try ScratchDirectory()
        let script = try scratch.script("crash", "echo \"cannot bind $5\"; exit 7")
        let cluster = try ProcessCluster(executable: script, names: ["a"])
        let error = await #expect(throws: TestKitError.self) {
            try await cluster.start(readyTimeout: patience)
        }
        #expect(error?.code == .exited)
        #expect(error?.message.contains("cannot bind \(cluster["a"].listenAddress)") == true)
        #expect(try await cluster["a"].waitForExit(timeout: patience) == 7)
        #expect(cluster.logsOnFailure().contains("exited with status 7"))
    }

    @Test func startFailsWhenNoReadyLineComes() async throws {
        let scratch = try ScratchDirectory()
        let wrongReady = NodeEvent.ready(node: "someone-else", listen: "x", generation: "1").line
        let script = try scratch.script("mute", "echo '\(wrongReady)'; exec sleep 60")
        let cluster = try ProcessCluster(executable: script, names: ["a"])
        let error = await #expect(throws: TestKitError.self) {
            try await cluster.start(readyTimeout: briefly)
        }
        #expect(error?.code == .timeout)
        #expect(error?.message.contains("node=someone-else") == true)
        #expect(cluster["a"].generation == nil)
        await cluster.shutdown()
    }

    @Test func shutdownIsIdempotentAndLeavesNothingRunning() async throws {
        let show = try PuppetShow()
        let cluster = try ProcessCluster(executable: show.executable, names: ["a", "b", "c"])
        try await cluster.start(readyTimeout: patience)
        cluster["b"].stop()
        let pids = cluster.nodes.compactMap(\.pid)
        #expect(pids.count == 3)
        await cluster.shutdown()
        for pid in pids {
            #expect(kill(pid, 0) == -1 && errno == ESRCH)
        }
        #expect(cluster.nodes.allSatisfy { !$0.isRunning })
        await cluster.shutdown()
        #expect(try await cluster["a"].waitForExit(timeout: patience) == 128 + SIGTERM)
        #expect(cluster["a"].log().contains("fabric-event ready node=a"))
    }

    @Test func droppingTheClusterKillsItsNodesAndItsLogs() async throws {
        let show = try PuppetShow()
        var cluster: ProcessCluster? = try ProcessCluster(executable: show.executable, names: ["a", "b"])
        try await cluster?.start(readyTimeout: patience)
        let pids = cluster?.nodes.compactMap(\.pid) ?? []
        let directory = try #require(cluster?.logDirectory)
        #expect(pids.count == 2)
        cluster = nil
        for pid in pids {
            #expect(kill(pid, 0) == -1 && errno == ESRCH)
        }
        #expect(access(directory, F_OK) == -1)
    }

    @Test func aGivenLogDirectoryIsKept() async throws {
        let show = try PuppetShow()
        let scratch = try ScratchDirectory()
        var cluster: ProcessCluster? = try ProcessCluster(
            executable: show.executable, names: ["a"], logDirectory: scratch.path)
        try await cluster?.start(readyTimeout: patience)
        cluster = nil
        #expect(LogFile.text("\(scratch.path)/a.1.log").contains("fabric-event ready node=a"))
    }

    @Test func logsOnFailureShowsTheTailOfEveryNode() async throws {
        let show = try PuppetShow()
        let cluster = try ProcessCluster(executable: show.executable, names: ["a", "b"])
        try await cluster.start(readyTimeout: patience)
        try await show.say(to: cluster["a"], (1...50).map { "line-\($0)" }.joined(separator: "\n"))
        let logs = cluster.logsOnFailure(lineCount: 6)
        #expect(logs.contains("--- a (pid \(cluster["a"].pid ?? 0), running), last 6 lines of"))
        #expect(logs.contains("--- b (pid"))
        #expect(logs.contains("line-46\nline-47\nline-48\nline-49\nline-50\nsaid "))
        #expect(!logs.contains("line-45"))
        await cluster.shutdown()
    }

    @Test func refusesAnExecutableThatIsNot() throws {
        let scratch = try ScratchDirectory()
        let error = #expect(throws: TestKitError.self) {
            try ProcessCluster(executable: "\(scratch.path)/nothing", names: ["a"])
        }
        #expect(error?.code == .spawnFailed)
    }

    /// Expects `waitUntilConnected` to time out, naming `missing`.
    private func expectNotConnected(
        _ cluster: ProcessCluster, missing: String, sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        let error = await #expect(throws: TestKitError.self, sourceLocation: sourceLocation) {
            try await cluster.waitUntilConnected(timeout: briefly)
        }
        #expect(error?.code == .timeout, sourceLocation: sourceLocation)
        #expect(error?.message.contains(missing) == true, "\(String(describing: error))",
                sourceLocation: sourceLocation)
    }
}
