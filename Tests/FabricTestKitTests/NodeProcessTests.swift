import Glibc
import Testing
@testable import FabricTestKit

@Suite struct NodeProcessTests {
    /// Prints `tick 1`, `tick 2`, ... every 50 ms until killed.
    private let ticker = "i=0; while true; do i=$((i+1)); echo \"tick $i\"; sleep 0.05; done"

    /// A node running `script` through `/bin/sh -c`, logging into `scratch`.
    private func shellNode(_ scratch: ScratchDirectory, _ script: String, name: String = "n") throws
        -> NodeProcess {
        NodeProcess(name: name, port: try FreePort.loopback(), executable: "/bin/sh",
                    logDirectory: scratch.path, arguments: NodeArguments { _, _ in ["-c", script] })
    }

    @Test func substitutesPlaceholdersAndSetsTheEnvironment() async throws {
        let scratch = try ScratchDirectory()
        let node = NodeProcess(
            name: "alpha", port: try FreePort.loopback(), executable: "/bin/sh",
            logDirectory: scratch.path,
            arguments: NodeArguments { _, _ in
                ["-c", "echo \"got $0 $1 $2\"; echo \"env $FABRIC_EXIT_WITH_PARENT $CUSTOM\"",
                 "{name}", "{listen}", "{port}"]
            },
            environment: ["CUSTOM": "{name}-{port}"]
        )
        try node.start()
        let port = node.port
        _ = try await node.waitForLine(containing: "got alpha 127.0.0.1:\(port) \(port)", timeout: patience)
        _ = try await node.waitForLine(containing: "env \(getpid()) alpha-\(port)", timeout: patience)
        #expect(try await node.waitForExit(timeout: patience) == 0)
    }

    @Test func waitForLineTimesOutWithTheLogTail() async throws {
        let scratch = try ScratchDirectory()
        let node = try shellNode(scratch, "echo first words; echo last words; exec sleep 60")
        try node.start()
        _ = try await node.waitForLine(containing: "last words", timeout: patience)
        let error = await #expect(throws: TestKitError.self) {
            try await node.waitForLine(containing: "never printed", timeout: briefly)
        }
        #expect(error?.code == .timeout)
        #expect(error?.message.contains("never printed") == true)
        #expect(error?.message.contains("first words\nlast words") == true)
        node.kill()
    }

    @Test func sinceStartFalseSeesOnlyNewLines() async throws {
        let scratch = try ScratchDirectory()
        let node = try shellNode(scratch, ticker)
        try node.start()
        #expect(try await node.waitForLine(containing: "tick", timeout: patience) == "tick 1")
        _ = try await node.waitForLine(containing: "tick 3", timeout: patience)
        let later = try await node.waitForLine(containing: "tick", timeout: patience, sinceStart: false)
        #expect(Int(later.dropFirst("tick ".count)).map { $0 > 3 } == true)
        node.kill()
    }

    @Test func reportsAnExitWhileWaiting() async throws {
        let scratch = try ScratchDirectory()
        let node = try shellNode(scratch, "echo going away; printf 'no newline'; exit 3")
        try node.start()
        let error = await #expect(throws: TestKitError.self) {
            try await node.waitForLine(containing: "never printed", timeout: patience)
        }
        #expect(error?.code == .exited)
        #expect(error?.message.contains("going away") == true)
        #expect(try await node.waitForExit(timeout: patience) == 3)
        #expect(try await node.waitForLine(containing: "no newline", timeout: patience) == "no newline")
        #expect(!node.isRunning && node.pid == nil)
    }

    @Test func killReapsAndReportsTheSignal() async throws {
        let scratch = try ScratchDirectory()
        let node = try shellNode(scratch, "exec sleep 60")
        try node.start()
        let pid = try #require(node.pid)
        node.kill()
        #expect(!node.isRunning)
        #expect(kill(pid, 0) == -1 && errno == ESRCH)
        #expect(try await node.waitForExit(timeout: patience) == 128 + SIGKILL)
        node.kill()  // again: nothing to do
    }

    @Test func killTakesTheNodesChildrenAlong() async throws {
        let scratch = try ScratchDirectory()
        let node = try shellNode(scratch, "sleep 60 & echo \"child $!\"; wait")
        try node.start()
        let line = try await node.waitForLine(containing: "child ", timeout: patience)
        let child = try #require(Int32(line.dropFirst("child ".count)))
        node.kill()
        #expect(try await eventually { isDead(child) })
    }

    @Test func aNodeThatExitsLeavesNoChildren() async throws {
        let scratch = try ScratchDirectory()
        let node = try shellNode(scratch, "sleep 60 & echo \"child $!\"; exit 4")
        try node.start()
        let line = try await node.waitForLine(containing: "child ", timeout: patience)
        let child = try #require(Int32(line.dropFirst("child ".count)))
        #expect(try await node.waitForExit(timeout: patience) == 4)
        #expect(try await eventually { isDead(child) })
    }

    @Test func stopAndResume() async throws {
        let scratch = try ScratchDirectory()
        let node = try shellNode(scratch, ticker)
        try node.start()
        let pid = try #require(node.pid)
        _ = try await node.waitForLine(containing: "tick 2", timeout: patience)
        node.stop()
        #expect(node.isStopped && node.isRunning)
        #expect(try await eventually { processState(pid) == "T" })
        let error = await #expect(throws: TestKitError.self) {
            try await node.waitForLine(containing: "tick", timeout: briefly, sinceStart: false)
        }
        #expect(error?.code == .timeout)
        #expect(error?.message.contains("stopped") == true)
        node.resume()
        #expect(!node.isStopped)
        _ = try await node.waitForLine(containing: "tick", timeout: patience, sinceStart: false)
        #expect(processState(pid) != "T")
        node.kill()
    }

    @Test func terminateLetsTheNodeExitCleanly() async throws {
        let scratch = try ScratchDirectory()
        let script = "trap 'echo bye; exit 0' TERM; echo up; while true; do sleep 0.05; done"
        let node = try shellNode(scratch, script)
        try node.start()
        _ = try await node.waitForLine(containing: "up", timeout: patience)
        await node.terminate(timeout: patience)
        #expect(!node.isRunning)
        #expect(try await node.waitForExit(timeout: patience) == 0)
        #expect(node.log().contains("bye"))
    }

    @Test func terminateKillsANodeThatIgnoresIt() async throws {
        let scratch = try ScratchDirectory()
        let node = try shellNode(scratch, "trap '' TERM; echo up; while true; do sleep 0.05; done")
        try node.start()
        _ = try await node.waitForLine(containing: "up", timeout: patience)
        await node.terminate(timeout: briefly)
        #expect(!node.isRunning)
        #expect(try await node.waitForExit(timeout: patience) == 128 + SIGKILL)
    }

    @Test func terminateResumesAStoppedNode() async throws {
        let scratch = try ScratchDirectory()
        let node = try shellNode(scratch, "trap 'exit 5' TERM; echo up; while true; do sleep 0.05; done")
        try node.start()
        _ = try await node.waitForLine(containing: "up", timeout: patience)
        node.stop()
        await node.terminate(timeout: patience)
        #expect(try await node.waitForExit(timeout: patience) == 5)
    }

    @Test func droppingTheHandleKillsTheNode() async throws {
        let scratch = try ScratchDirectory()
        var node: NodeProcess? = try shellNode(scratch, "exec sleep 60")
        try node?.start()
        let pid = try #require(node?.pid)
        node = nil
        #expect(kill(pid, 0) == -1 && errno == ESRCH)
    }

    @Test func failsToStartAMissingExecutable() throws {
        let scratch = try ScratchDirectory()
        let node = NodeProcess(name: "n", port: 1, executable: "\(scratch.path)/missing",
                               logDirectory: scratch.path)
        let error = #expect(throws: TestKitError.self) { try node.start() }
        #expect(error?.code == .spawnFailed)
        #expect(error?.message.contains("errno \(ENOENT)") == true)
        #expect(!node.isRunning)
    }

    @Test func waitingOnANeverStartedNodeFails() async throws {
        let scratch = try ScratchDirectory()
        let node = try shellNode(scratch, "true")
        let lineError = await #expect(throws: TestKitError.self) {
            try await node.waitForLine(containing: "x", timeout: briefly)
        }
        #expect(lineError?.code == .notStarted)
        let exitError = await #expect(throws: TestKitError.self) {
            try await node.waitForExit(timeout: briefly)
        }
        #expect(exitError?.code == .notStarted)
        #expect(node.log() == "")
        #expect(node.logPath.hasSuffix("/n.1.log"))
    }

    @Test func theSignalMaskAndIgnoredSignalsAreNotInherited() async throws {
        // The test process may block or ignore signals (SIGPIPE); the node must start with the
        // standard signals (1-31) neither blocked nor ignored. glibc keeps its own internal
        // real-time signals to itself, so those bits are not looked at.
        let scratch = try ScratchDirectory()
        let node = try shellNode(scratch, "grep -E '^(SigBlk|SigIgn)' /proc/self/status")
        try node.start()
        #expect(try await node.waitForExit(timeout: patience) == 0)
        let masks = node.log().split(separator: "\n").compactMap { line in
            line.split(separator: "\t").last.flatMap { UInt64($0, radix: 16) }
        }
        #expect(masks.count == 2)
        #expect(masks.allSatisfy { $0 & 0x7fff_ffff == 0 }, "\(node.log())")
    }
}
