import FabricCore

extension NodeProcess {
    /// The log file of the current (latest) start: `DIRECTORY/NAME.N.log` for the N-th start.
    /// Before the first start, the file the first start will write.
    public var logPath: String {
        logPath(forStart: max(1, state.withLock { $0.startCount }))
    }

    /// Everything the current start has printed so far (stdout and stderr interleaved). A log
    /// over `Limits.testKitLogReadBytesMax` is cut to its newest bytes.
    public func log() -> String {
        LogFile.text(logPath)
    }

    /// The last `lineCount` lines of the current start's log, under a heading naming the node,
    /// its state and the file: what a failure message shows.
    public func logTail(lineCount: Int = Limits.testKitLogTailLines) -> String {
        let path = logPath
        let lines = LogFile.tail(path, lineCount: lineCount)
        let heading = "--- \(name) (\(stateDescription)), last \(lines.count) lines of \(path) ---"
        return ([heading] + lines).joined(separator: "\n")
    }

    /// The log file of the `start`-th start.
    func logPath(forStart start: Int) -> String {
        "\(logDirectory)/\(name).\(start).log"
    }

    /// "pid 123, running", "stopped", "exited with status 137" or "not started".
    var stateDescription: String {
        state.withLock { state in
            reapIfExited(&state)
            if let pid = state.pid { return "pid \(pid), \(state.isStopped ? "stopped" : "running")" }
            if let status = state.lastExitStatus { return "exited with status \(status)" }
            return "not started"
        }
    }
}
