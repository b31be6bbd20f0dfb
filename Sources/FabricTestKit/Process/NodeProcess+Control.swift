import FabricCore
import Glibc

extension NodeProcess {
    /// Starts the node: spawns the executable with its arguments (seeds from the running peers)
    /// and a fresh log file. Does not wait for it to be ready; see `waitForReady(timeout:)`.
    ///
    /// The node's environment is the test process's, plus the cluster's variables, plus
    /// `FABRIC_EXIT_WITH_PARENT=<pid of the test process>` so the node can exit when the test
    /// process dies without cleaning up.
    public func start() throws {
        let runningPeers = state.withLock { $0.runningPeers }()  // asks other nodes: not under our lock
        let commandLine = arguments.arguments(for: spec, runningPeers: runningPeers)
        let environment = childEnvironment()
        try state.withLock { state in
            reapIfExited(&state)
            precondition(state.pid == nil, "node \(name) is already running as pid \(state.pid ?? 0)")
            let pid = try ChildProcess.spawn(
                executable: executable, arguments: commandLine, environment: environment,
                logPath: logPath(forStart: state.startCount + 1)
            )
            state.startCount += 1
            state.pid = pid
            state.isStopped = false
            state.lastExitStatus = nil
            state.generation = nil
        }
    }

    /// Kills the node with SIGKILL (its whole process group) and reaps it before returning.
    /// Does nothing if it is not running.
    public func kill() {
        state.withLock { state in
            guard let pid = state.pid else { return }
            record(exitStatus: ChildProcess.killGroupAndReap(pid), in: &state)
        }
    }

    /// Pauses the node with SIGSTOP: it stays alive but does nothing, as a hung process or a
    /// long garbage-collection pause would. Does nothing if it is not running.
    public func stop() {
        signal(SIGSTOP, markingStopped: true)
    }

    /// Lets a stopped node go on with SIGCONT. Does nothing if it is not running.
    public func resume() {
        signal(SIGCONT, markingStopped: false)
    }

    /// Asks the node to exit with SIGTERM (resuming it if stopped) and waits up to `timeout`;
    /// then kills it with SIGKILL. The process is reaped either way.
    public func terminate(timeout: Duration = Limits.testKitTerminateTimeoutDefault) async {
        guard pid != nil else { return }
        signal(SIGTERM, markingStopped: false)
        signal(SIGCONT, markingStopped: false)
        let deadline = ContinuousClock.now.advanced(by: timeout)
        _ = try? await Polling.value(until: deadline) { self.pid == nil ? true : nil }
        kill()
    }

    /// Kills the node, starts it again on the same port with a new log file, and waits up to
    /// `readyTimeout` for its ready line. The pid and the generation change; name and port stay.
    public func restart(readyTimeout: Duration = Limits.testKitReadyTimeoutDefault) async throws {
        kill()
        try start()
        try await waitForReady(timeout: readyTimeout)
    }

    /// Sends `signal` to the node's process group if it still runs.
    private func signal(_ signal: Int32, markingStopped isStopped: Bool) {
        state.withLock { state in
            reapIfExited(&state)
            guard let pid = state.pid else { return }
            ChildProcess.signalGroup(of: pid, signal)
            state.isStopped = isStopped
        }
    }

    /// The inherited environment with the cluster's variables and the parent watch added.
    private func childEnvironment() -> [String: String] {
        var variables = ProcessEnvironment.current()
        for (key, value) in environment {
            variables[key] = NodeArguments.substitute(spec, in: value)
        }
        variables[ParentWatch.environmentKey] = String(getpid())
        return variables
    }
}
