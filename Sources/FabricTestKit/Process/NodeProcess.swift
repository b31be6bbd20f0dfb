import FabricCore
import Glibc
import Synchronization

/// One node of a multi-process scenario: a real process whose name and port stay the same
/// across restarts, with its output captured in a log file per start.
///
/// `ProcessCluster` makes these; you use them to provoke failures and to watch the node:
///
/// ```swift
/// let cluster = try ProcessCluster(executable: fabric, names: ["a", "b", "c"])
/// try await cluster.start()
/// let b = cluster["b"]
/// b.stop()                                   // SIGSTOP: b hangs, the others should notice
/// _ = try await cluster["a"].waitForLine(containing: "peer-down node=b", timeout: .seconds(20),
///                                        sinceStart: false)
/// b.resume()                                 // SIGCONT
/// try await b.restart()                      // SIGKILL, start again on the same port
/// try await cluster.waitUntilConnected(timeout: .seconds(20))
/// await cluster.shutdown()
/// ```
///
/// Signals go to the node's process group, so whatever the node started goes with it. Every
/// process is reaped by the harness: none is left as a zombie or an orphan, and the node's pid
/// is not signalled after it has been reaped (by then it may belong to someone else).
public final class NodeProcess: Sendable {
    /// The node's name, unique in its cluster; its log files are named after it.
    public let name: String
    /// The loopback port the node listens on, the same across restarts.
    public let port: UInt16
    /// The executable started for this node.
    let executable: String
    /// Where the log files go: `name.1.log`, `name.2.log` after the first restart, and so on.
    let logDirectory: String
    /// The node's command line, rebuilt at each start (the running peers change).
    let arguments: NodeArguments
    /// Variables added to the inherited environment, placeholders substituted.
    let environment: [String: String]
    /// Everything that changes as the process starts, stops and exits.
    let state = Mutex(State())

    /// What changes over the node's life; guarded by `state`.
    struct State: Sendable {
        /// The running (not yet reaped) process.
        var pid: pid_t?
        /// How many times the node was started; numbers the log files.
        var startCount = 0
        /// How the latest process ended, in shell convention, once it has been reaped.
        var lastExitStatus: Int32?
        /// Whether `stop()` was called and `resume()` not since.
        var isStopped = false
        /// The generation from the current start's ready line, once seen.
        var generation: String?
        /// The nodes running next to this one, asked at each start for the seeds.
        var runningPeers: @Sendable () -> [NodeSpec] = { [] }
    }

    /// A node that is not started yet. `ProcessCluster` makes them; use it unless you need a
    /// node outside any cluster.
    package init(
        name: String, port: UInt16, executable: String, logDirectory: String,
        arguments: NodeArguments = .fabricNode, environment: [String: String] = [:]
    ) {
        Self.checkName(name)
        self.name = name
        self.port = port
        self.executable = executable
        self.logDirectory = logDirectory
        self.arguments = arguments
        self.environment = environment
    }

    /// Kills the process if it still runs: a node never outlives its handle.
    deinit {
        kill()
    }

    /// Where the node listens: `127.0.0.1:PORT`.
    public var listenAddress: String { spec.listenAddress }

    /// The node's name and port, as argument builders see them.
    public var spec: NodeSpec { NodeSpec(name: name, port: port) }

    /// The running process's id; nil before the first start and once the process has exited.
    public var pid: Int32? {
        state.withLock { state in
            reapIfExited(&state)
            return state.pid
        }
    }

    /// Whether the process is alive (a stopped process is alive).
    public var isRunning: Bool { pid != nil }

    /// Whether the node is stopped with `stop()` and not resumed yet.
    public var isStopped: Bool {
        state.withLock { state in
            reapIfExited(&state)
            return state.isStopped
        }
    }

    /// The generation the node announced in its ready line for the current start, once
    /// `waitForReady` (or the cluster's `start`) has seen it; it changes with every restart.
    public var generation: String? { state.withLock { $0.generation } }

    /// Sets where the seeds come from; the cluster points it at the node's running peers.
    package func setRunningPeers(_ runningPeers: @escaping @Sendable () -> [NodeSpec]) {
        state.withLock { $0.runningPeers = runningPeers }
    }

    /// Node names become file names and event fields: a separator or whitespace in one is a
    /// mistake in the test.
    private static func checkName(_ name: String) {
        let isValid = !name.isEmpty && name.utf8.count <= Limits.nodeNameBytesMax
            && name != "." && name != ".."
            && !name.contains(where: { $0 == "/" || $0.isWhitespace || $0 == "=" })
        precondition(isValid, "invalid node name \"\(name)\": 1...\(Limits.nodeNameBytesMax) bytes, "
            + "no '/', '=' or whitespace")
    }

    /// Reaps the process if it has exited, recording its status. Before reaping, whatever is
    /// left of its process group (children the node started) is killed.
    func reapIfExited(_ state: inout State) {
        guard let pid = state.pid, ChildProcess.hasExited(pid) else { return }
        record(exitStatus: ChildProcess.killGroupAndReap(pid), in: &state)
    }

    /// Notes that the process is gone.
    func record(exitStatus: Int32, in state: inout State) {
        state.pid = nil
        state.isStopped = false
        state.lastExitStatus = exitStatus
    }
}
