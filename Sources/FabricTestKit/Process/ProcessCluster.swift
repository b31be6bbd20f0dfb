import FabricCore
import Foundation
import Glibc

/// Several nodes of one executable as real processes on loopback: the conductor of a
/// multi-process `swift test` scenario.
///
/// The cluster picks a free port per node, starts the nodes in order (each one's seeds are the
/// nodes already running), and waits for each to print its ready line. Tests then kill, stop,
/// resume and restart nodes and wait for what the others print. Every node's output goes to a
/// log file per start in a fresh temporary directory; `logsOnFailure()` gathers their tails.
///
/// ```swift
/// @Test func survivesACrash() async throws {
///     let fabric = try #require(ProcessCluster.locateExecutable(named: "fabric"))
///     let cluster = try ProcessCluster(executable: fabric, names: ["a", "b", "c"])
///     do {
///         try await cluster.start()
///         try await cluster.waitUntilConnected(timeout: .seconds(20))
///         cluster["c"].kill()
///         _ = try await cluster["a"].waitForLine(containing: "peer-down node=c",
///                                                timeout: .seconds(20), sinceStart: false)
///     } catch {
///         Issue.record("\(error)\n\(cluster.logsOnFailure())")
///     }
///     await cluster.shutdown()
/// }
/// ```
///
/// Cleanup never depends on the test getting that far: dropping the cluster kills and reaps its
/// nodes, and every node gets `FABRIC_EXIT_WITH_PARENT` so it exits by itself if the test
/// process dies (nodes honour it with `ParentWatch`). The log directory is removed when the
/// cluster is dropped, unless you passed your own or set `FABRIC_TESTKIT_KEEP_LOGS=1`.
public final class ProcessCluster: Sendable {
    /// The nodes, in the order of `names`.
    public let nodes: [NodeProcess]
    /// The directory holding every node's log files.
    public let logDirectory: String
    /// Whether the cluster made `logDirectory` and removes it when dropped.
    private let removesLogDirectory: Bool

    /// Environment variable that keeps a temporary log directory after the cluster is dropped.
    static let keepLogsKey = "FABRIC_TESTKIT_KEEP_LOGS"

    /// Prepares one node per name on a free loopback port; nothing is started yet.
    ///
    /// - Parameters:
    ///   - executable: path of the node executable (see `locateExecutable(named:packageRoot:)`).
    ///   - names: distinct node names, at most `Limits.testKitClusterNodesMax`.
    ///   - arguments: how each node's command line is built (`fabric node ...` by default).
    ///   - environment: variables added to the inherited ones; values may hold placeholders.
    ///   - logDirectory: where logs go (kept); nil for a fresh temporary directory.
    public init(
        executable: String, names: [String], arguments: NodeArguments = .fabricNode,
        environment: [String: String] = [:], logDirectory: String? = nil
    ) throws {
        precondition(!names.isEmpty && names.count <= Limits.testKitClusterNodesMax,
                     "a cluster has 1...\(Limits.testKitClusterNodesMax) nodes, not \(names.count)")
        precondition(Set(names).count == names.count, "node names must be distinct: \(names)")
        guard access(executable, X_OK) == 0 else {
            let reason = systemErrorText(errno)
            throw TestKitError(.spawnFailed, "\(executable) is not an executable file: \(reason)")
        }
        let ports = try FreePort.loopback(count: names.count)
        let directory = try logDirectory ?? Self.makeTemporaryDirectory()
        self.logDirectory = directory
        self.removesLogDirectory = logDirectory == nil
            && (ProcessInfo.processInfo.environment[Self.keepLogsKey] ?? "").isEmpty
        self.nodes = zip(names, ports).map { name, port in
            NodeProcess(name: name, port: port, executable: executable,
                        logDirectory: directory, arguments: arguments, environment: environment)
        }
        for node in nodes {
            let name = node.name  // not the node itself: it keeps this closure
            node.setRunningPeers { [weak self] in self?.runningPeers(of: name) ?? [] }
        }
    }

    /// Kills and reaps every node still running, then removes a temporary log directory.
    deinit {
        nodes.forEach { $0.kill() }
        if removesLogDirectory {
            try? FileManager.default.removeItem(atPath: logDirectory)
        }
    }

    /// The node called `name`; asking for a name the cluster does not have is a mistake in the test.
    public subscript(name: String) -> NodeProcess {
        guard let node = nodes.first(where: { $0.name == name }) else {
            preconditionFailure("no node \"\(name)\" in cluster \(nodes.map(\.name))")
        }
        return node
    }

    /// Starts every node that is not running, one after the other, each time waiting up to
    /// `readyTimeout` for its ready line, so that a node's seeds are nodes that already listen.
    public func start(readyTimeout: Duration = Limits.testKitReadyTimeoutDefault) async throws {
        for node in nodes where !node.isRunning {
            try node.start()
            try await node.waitForReady(timeout: readyTimeout)
        }
    }

    /// Terminates every node at once (SIGTERM, then SIGKILL after `timeout`) and reaps them.
    /// Calling it again does nothing; the logs stay readable.
    public func shutdown(timeout: Duration = Limits.testKitTerminateTimeoutDefault) async {
        await withTaskGroup(of: Void.self) { group in
            for node in nodes {
                group.addTask { await node.terminate(timeout: timeout) }
            }
        }
    }

    /// The last `lineCount` lines of every node's current log, each under a heading with the
    /// node's state: attach it to a failed expectation.
    public func logsOnFailure(lineCount: Int = Limits.testKitLogTailLines) -> String {
        nodes.map { $0.logTail(lineCount: lineCount) }.joined(separator: "\n")
    }

    /// The running nodes other than `name`, whose addresses become `name`'s seeds.
    private func runningPeers(of name: String) -> [NodeSpec] {
        nodes.filter { $0.name != name && $0.isRunning }.map(\.spec)
    }

    /// A new empty directory under the system's temporary directory.
    private static func makeTemporaryDirectory() throws -> String {
        let base = FileManager.default.temporaryDirectory.path
        var template = Array("\(base)/fabric-testkit-XXXXXX".utf8CString)
        guard let created = mkdtemp(&template) else {
            throw TestKitError(.system, "cannot create a log directory in \(base): \(systemErrorText(errno))")
        }
        return String(cString: created)
    }
}
