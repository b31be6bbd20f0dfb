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

    static func run(_ arguments: [String], timeout: TimeInterval = 30) throws -> Outcome {
        let binary = try #require(ProcessCluster.locateExecutable(named: "fabric"))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning, Date() < deadline { usleep(10_000) }
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        return Outcome(
            status: process.terminationStatus,
            output: String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self),
            errors: String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self))
    }

    @Test(arguments: [["--help"], ["node", "--help"], ["echo", "--help"], ["demo", "--help"], ["bench", "--help"],
                      ["bench", "rpc", "--help"], ["bench", "connections", "--help"]])
    func everyCommandAnswersHelp(_ arguments: [String]) throws {
        let outcome = try Self.run(arguments)
        #expect(outcome.status == 0)
        #expect(outcome.output.contains("usage: fabric"), "\(arguments): \(outcome.output)")
    }

    @Test(arguments: [["node", "--nope"], ["echo", "--via"], ["bench", "rpc", "--concurrency", "zero"], ["frobnicate"],
                      ["node", "--name", "bad name", "--listen", "127.0.0.1:1"], ["echo", "--via", "nowhere", "--to", "a", "x"]])
    func wrongInputIsAOneLineErrorAndTheUsage(_ arguments: [String]) throws {
        let outcome = try Self.run(arguments)
        #expect(outcome.status == 2, "\(arguments) exited \(outcome.status)")
        let lines = outcome.errors.split(separator: "\n")
        #expect(lines.first?.hasPrefix("fabric: ") == true, "\(arguments): \(outcome.errors)")
        #expect(outcome.errors.contains("usage:"))
    }

    @Test func echoReachesEveryNodeThroughAnyNode() async throws {
        let cluster = try ProcessCluster(
            executable: try #require(ProcessCluster.locateExecutable(named: "fabric")), names: ["alpha", "beta", "gamma"])
        do {
            try await cluster.start()
            try await cluster.waitUntilConnected(timeout: .seconds(30))
            for via in ["alpha", "gamma"] {
                for to in ["alpha", "beta", "gamma"] {
                    let outcome = try Self.run(["echo", "--via", cluster[via].listenAddress, "--to", to, "hi \(to)"])
                    #expect(outcome.status == 0, "\(via)->\(to): \(outcome.errors)")
                    #expect(outcome.output == "hi \(to)\n")
                }
            }
            let missing = try Self.run(["echo", "--via", cluster["beta"].listenAddress, "--to", "nobody", "x", "--timeout", "1"])
            #expect(missing.status == 1)
            #expect(missing.errors.split(separator: "\n").count == 1, "one line: \(missing.errors)")
        } catch {
            Issue.record("\(error)\n\(cluster.logsOnFailure())")
        }
        await cluster.shutdown()
    }
}
