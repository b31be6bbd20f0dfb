import FabricCore

/// Waits on what the nodes' membership says (their `fabric-event member` lines), for tests of
/// failure detection, downing and rejoining across real processes.
extension ProcessCluster {
    /// Waits until every running node (not stopped) sees every other running node as a live
    /// member — its latest membership event about that node's current generation is `joined`,
    /// `up` or `reachable` — and returns how long it took. Throws `TestKitError.timeout` naming
    /// who misses whom, with every node's log tail.
    @discardableResult
    public func waitUntilMembersSeeEachOther(timeout: Duration) async throws -> Duration {
        var views: [String: MemberView] = [:]
        let start = ContinuousClock.now
        let done = try await Polling.value(until: start.advanced(by: timeout)) { () throws -> Bool? in
            try membersMissing(updating: &views).isEmpty ? true : nil
        }
        guard done == nil else { return ContinuousClock.now - start }
        let missing = try membersMissing(updating: &views).map { "\($0.key) does not see \($0.value.sorted()) alive" }.sorted()
        throw TestKitError(.timeout, "members do not see each other within \(timeout): "
            + missing.joined(separator: "; ") + "\n" + logsOnFailure())
    }

    /// Waits until each node in `observers` (every running, unstopped node but `subject` when
    /// nil) has printed `status` (a membership event kind such as `unreachable` or `down`) about
    /// `subject` since the call — or earlier in its current start when `sinceNow` is false —
    /// and returns, per observer, how long after the call it was first seen. Throws
    /// `TestKitError.timeout` naming the observers that have not, with the log tails.
    @discardableResult
    public func waitUntil(
        _ subject: String, is status: String, by observers: [String]? = nil, sinceNow: Bool = true,
        timeout: Duration
    ) async throws -> [String: Duration] {
        let watching = observers ?? nodes.filter { $0.isRunning && !$0.isStopped && $0.name != subject }.map(\.name)
        var readers: [String: LogReader] = [:]
        for name in watching {
            guard let node = nodes.first(where: { $0.name == name }) else {
                preconditionFailure("no node named \(name) in this cluster (\(nodes.map(\.name)))")
            }
            var reader = LogReader(path: node.logPath)
            if sinceNow { _ = try reader.readLines() }  // skip what was printed before the call
            readers[name] = reader
        }
        let start = ContinuousClock.now
        var seen: [String: Duration] = [:]
        let done = try await Polling.value(until: start.advanced(by: timeout)) { () throws -> Bool? in
            for name in watching where seen[name] == nil {
                for line in try readers[name]!.readLines() {
                    if case .member(subject, status, _)? = NodeEvent(line: line) {
                        seen[name] = ContinuousClock.now - start
                        break
                    }
                }
            }
            return seen.count == watching.count ? true : nil
        }
        guard done == nil else { return seen }
        let missing = watching.filter { seen[$0] == nil }.sorted()
        throw TestKitError(.timeout, "\(missing.joined(separator: ", ")) did not see \(subject) \(status) within \(timeout)\n"
            + logsOnFailure())
    }

    /// For each active node, the other active nodes it does not see as live members.
    private func membersMissing(updating views: inout [String: MemberView]) throws -> [String: Set<String>] {
        let active = nodes.filter { $0.isRunning && !$0.isStopped }
        var missing: [String: Set<String>] = [:]
        for node in active {
            var view = views[node.name].flatMap { $0.reader.path == node.logPath ? $0 : nil }
                ?? MemberView(reader: LogReader(path: node.logPath))
            try view.update()
            views[node.name] = view
            let unseen = active.filter { other in
                guard other.name != node.name, let generation = other.generation else { return false }
                return !view.isLive(other.name, generation: generation)
            }.map(\.name)
            if !unseen.isEmpty { missing[node.name] = Set(unseen) }
        }
        return missing
    }
}

/// What one node's log says about its members so far, for one start.
struct MemberView {
    var reader: LogReader
    /// Each member's latest (status, generation).
    private(set) var latest: [String: (status: String, generation: String)] = [:]

    init(reader: LogReader) {
        self.reader = reader
    }

    mutating func update() throws {
        for line in try reader.readLines() {
            if case .member(let node, let status, let generation)? = NodeEvent(line: line) {
                latest[node] = (status, generation)
            }
        }
    }

    /// Whether the member's latest event is about `generation` and says it is alive.
    func isLive(_ node: String, generation: String) -> Bool {
        guard let entry = latest[node], entry.generation == generation else { return false }
        return ["joined", "up", "reachable"].contains(entry.status)
    }
}
