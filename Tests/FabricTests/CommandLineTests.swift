import Fabric
import FabricTestKit
import Foundation
import Testing

/// The `fabric` command as a user meets it: every subcommand answers `--help`, a wrong flag is
/// a one-line error plus the usage and exit status 2, and `fabric echo` reaches any node
/// through any other.
@Suite(.serialized) struct CommandLineTests {
    struct Outcome {
        var status: Int32
        var output: String
        var errors: String
    }

    /// Runs `fabric` with `arguments` and collects its exit status and output. Spawns with
    /// `posix_spawn` and reaps by pid only: Foundation's `Process` would share the process's
    /// child bookkeeping with the test kit's node processes running in parallel tests.
    /// Runs on a Dispatch thread: waiting for a child in a loop on the concurrency pool's few
    /// threads would stall every other test running in parallel.
    static func run(_ arguments: [String], timeout: TimeInterval = 30) async throws -> Outcome {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result { try runBlocking(arguments, timeout: timeout) })
            }
        }
    }

    static func runBlocking(_ arguments: [String], timeout: TimeInterval) throws -> Outcome {
        let binary = try #require(ProcessCluster.locateExecutable(named: "fabric"))
        let directory = NSTemporaryDirectory() + "fabric-cli-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let outputPath = directory + "/out", errorsPath = directory + "/err"
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, errorsPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        let argv = ([binary] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, binary, &actions, nil, argv, environ)
        guard spawned == 0 else { throw FabricError.rejected("posix_spawn failed: \(spawned)") }
        var status: Int32 = 0
        let deadline = Date().addingTimeInterval(timeout)
        while waitpid(pid, &status, WNOHANG) == 0 {
            if Date() > deadline {
                kill(pid, SIGKILL)
                waitpid(pid, &status, 0)
                break
            }
            usleep(10_000)
        }
        let exitStatus: Int32 = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return Outcome(
            status: exitStatus,
            output: (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "",
            errors: (try? String(contentsOfFile: errorsPath, encoding: .utf8)) ?? "")
    }

    @Test(arguments: [["--help"], ["node", "--help"], ["echo", "--help"], ["demo", "--help"], ["bench", "--help"],
                      ["bench", "rpc", "--help"], ["bench", "connections", "--help"]])
    func everyCommandAnswersHelp(_ arguments: [String]) async throws {
        let outcome = try await Self.run(arguments)
        #expect(outcome.status == 0)
        #expect(outcome.output.contains("usage: fabric"), "\(arguments): \(outcome.output)")
    }

    @Test(arguments: [["node", "--nope"], ["echo", "--via"], ["bench", "rpc", "--concurrency", "zero"], ["frobnicate"],
                      ["node", "--name", "bad name", "--listen", "127.0.0.1:1"], ["echo", "--via", "nowhere", "--to", "a", "x"]])
    func wrongInputIsAOneLineErrorAndTheUsage(_ arguments: [String]) async throws {
        let outcome = try await Self.run(arguments)
        #expect(outcome.status == 2, "\(arguments) exited \(outcome.status)")
        let lines = outcome.errors.split(separator: "\n")
        #expect(lines.first?.hasPrefix("fabric: ") == true, "\(arguments): \(outcome.errors)")
        #expect(outcome.errors.contains("usage:"))
    }

    @Test(arguments: [
        (["node", "--name", "a", "--listen", "127.0.0.1:700l"], "the port \"700l\" is not a number"),
        (["node", "--name", "a b", "--listen", "127.0.0.1:1"], "\" \" is not allowed"),
        (["node", "--name", "a", "--listen", "127.0.0.1:1", "--seed", "::1:2"], "IPv6 host needs brackets"),
    ])
    func aBadNameOrAddressSaysWhatIsWrongWithIt(_ arguments: [String], reason: String) async throws {
        let outcome = try await Self.run(arguments)
        #expect(outcome.status == 2, "\(arguments) exited \(outcome.status)")
        #expect(outcome.errors.split(separator: "\n").first?.contains(reason) == true, "\(arguments): \(outcome.errors)")
    }

    @Test func echoReachesEveryNodeThroughAnyNode() async throws {
        let cluster = try ProcessCluster(
            executable: try #require(ProcessCluster.locateExecutable(named: "fabric")), names: ["alpha", "beta", "gamma"])
        do {
            try await cluster.start()
            try await cluster.waitUntilConnected(timeout: .seconds(30))
            for via in ["alpha", "gamma"] {
                for to in ["alpha", "beta", "gamma"] {
                    let outcome = try await Self.run(["echo", "--via", cluster[via].listenAddress, "--to", to, "hi \(to)"])
                    #expect(outcome.status == 0, "\(via)->\(to): \(outcome.errors)")
                    #expect(outcome.output == "hi \(to)\n")
                }
            }
            let missing = try await Self.run(["echo", "--via", cluster["beta"].listenAddress, "--to", "nobody", "x", "--timeout", "1"])
            #expect(missing.status == 1)
            #expect(missing.errors.split(separator: "\n").count == 1, "one line: \(missing.errors)")
        } catch {
            Issue.record("\(error)\n\(cluster.logsOnFailure())")
        }
        await cluster.shutdown()
    }
}
