import FabricCore

extension ProcessCluster {
    /// Waits until every running node sees every other running node: since its latest start
    /// it printed `fabric-event peer-up node=OTHER`, with no `peer-down node=OTHER` after it.
    /// Nodes stopped with `stop()` are left out (they cannot print) until resumed. Throws
    /// `TestKitError.timeout` naming who misses whom, with every node's log tail.
    public func waitUntilConnected(timeout: Duration) async throws {
        var views: [String: PeerView] = [:]
        let deadline = ContinuousClock.now.advanced(by: timeout)
        let connected = try await Polling.value(until: deadline) { () throws -> Bool? in
            try missingPeers(updating: &views).isEmpty ? true : nil
        }
        guard connected == nil else { return }
        let missing = try missingPeers(updating: &views)
            .map { "\($0.key) does not see \($0.value.sorted())" }.sorted()
        throw TestKitError(.timeout, "cluster not connected within \(timeout): "
            + missing.joined(separator: "; ") + "\n" + logsOnFailure())
    }

    /// For each active node, the active nodes it does not see; `views` carries each node's
    /// reading of its log from one look to the next.
    private func missingPeers(updating views: inout [String: PeerView]) throws -> [String: Set<String>] {
        let active = nodes.filter { $0.isRunning && !$0.isStopped }
        let activeNames = Set(active.map(\.name))
        var missing: [String: Set<String>] = [:]
        for node in active {
            var view = views[node.name].flatMap { $0.reader.path == node.logPath ? $0 : nil }
                ?? PeerView(reader: LogReader(path: node.logPath))
            try view.update()
            views[node.name] = view
            let unseen = activeNames.subtracting(view.peersUp).subtracting([node.name])
            if !unseen.isEmpty { missing[node.name] = unseen }
        }
        return missing
    }
}

/// What one node's log says about its peers so far, for one start.
struct PeerView {
    /// Reads the start's log where the last look stopped.
    var reader: LogReader
    /// The peers whose latest event is `peer-up`.
    private(set) var peersUp: Set<String> = []

    init(reader: LogReader) {
        self.reader = reader
    }

    /// Applies the peer events printed since the last update.
    mutating func update() throws {
        for line in try reader.readLines() {
            switch NodeEvent(line: line) {
            case .peerUp(let peer)?: peersUp.insert(peer)
            case .peerDown(let peer)?: peersUp.remove(peer)
            case .ready?, .member?, nil: break
            }
        }
    }
}
