import FabricCore

extension NodeProcess {
    /// Waits until the node prints a line containing `text`, and returns that line.
    ///
    /// With `sinceStart` the whole log of the current start counts, lines printed before the call
    /// included; without it only lines printed after the call. Throws `TestKitError.timeout`
    /// after `timeout`, and `.exited` as soon as the node exits without having printed it; both
    /// messages end with the log's tail.
    ///
    /// ```swift
    /// let line = try await node.waitForLine(containing: "leader elected", timeout: .seconds(10))
    /// ```
    public func waitForLine(
        containing text: String, timeout: Duration, sinceStart: Bool = true
    ) async throws -> String {
        let what = "a line containing \"\(text)\""
        return try await waitForOutput(what, timeout: timeout, sinceStart: sinceStart) { line in
            line.contains(text) ? line : nil
        }
    }

    /// Waits until the node prints `fabric-event ready node=NAME ...` in its current start's
    /// log, and records the generation it announces. Fails like `waitForLine`.
    public func waitForReady(timeout: Duration) async throws {
        let what = "its ready line (\(NodeEvent.marker)ready node=\(name) ...)"
        let generation: String = try await waitForOutput(
            what, timeout: timeout, sinceStart: true
        ) { line in
            guard case .ready(let node, _, let generation)? = NodeEvent(line: line), node == name
            else { return nil }
            return generation
        }
        state.withLock { $0.generation = generation }
    }

    /// Waits up to `timeout` for the node to exit and returns its status in shell convention:
    /// the exit code, or 128 + the signal number (137 after SIGKILL); -1 if the status was lost
    /// because something else reaped the process. Returns at once if it has already exited.
    public func waitForExit(timeout: Duration) async throws -> Int32 {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        let status = try await Polling.value(until: deadline) { () throws -> Int32? in
            try state.withLock { state in
                guard state.startCount > 0 else { throw notStartedError("exit") }
                reapIfExited(&state)
                return state.pid == nil ? state.lastExitStatus : nil
            }
        }
        guard let status else {
            throw TestKitError(.timeout, "node \(name) did not exit within \(timeout)\n\(logTail())")
        }
        return status
    }

    /// Scans the current start's log until `match` returns a value for a line.
    private func waitForOutput<Value>(
        _ what: String, timeout: Duration, sinceStart: Bool, match: (String) -> Value?
    ) async throws -> Value {
        guard state.withLock({ $0.startCount }) > 0 else { throw notStartedError("output") }
        let path = logPath
        var reader = sinceStart ? LogReader(path: path) : LogReader.fromEnd(of: path)
        let deadline = ContinuousClock.now.advanced(by: timeout)
        var hasExited = false
        let found = try await Polling.value(until: deadline) { () throws -> Value? in
            hasExited = !isRunning  // before reading, so the exit's last lines are read too
            var lines = try reader.readLines()
            if hasExited, let last = reader.takeUnterminatedLine() { lines.append(last) }
            if let value = lines.lazy.compactMap(match).first { return value }
            if hasExited { throw exitedError(waitingFor: what) }
            return nil
        }
        guard let found else {
            throw TestKitError(.timeout, "node \(name) did not print \(what) within \(timeout)\n\(logTail())")
        }
        return found
    }

    /// The error for a node that exited while the test waited for `what`.
    private func exitedError(waitingFor what: String) -> TestKitError {
        TestKitError(.exited, "node \(name) exited before printing \(what)\n\(logTail())")
    }

    /// The error for asking a never-started node about its `subject`.
    private func notStartedError(_ subject: String) -> TestKitError {
        TestKitError(.notStarted, "node \(name) was never started: it has no \(subject) to wait for")
    }
}
