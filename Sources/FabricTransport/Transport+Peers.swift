import FabricCore
import FabricReactor
import FabricWire

/// Which connection to keep when two link the same pair of nodes.
package enum ConnectionTieBreak {
    /// Two connections dialed from different ends: both sides keep the one dialed by the node
    /// whose name sorts first, so they agree without talking. Two dialed from the same end: the
    /// newer one wins (the older is presumably dead on the other side).
    package static func keepsNew(existingDialedLocally: Bool, newDialedLocally: Bool, local: NodeId, remote: NodeId) -> Bool {
        if existingDialedLocally == newDialedLocally { return true }
        let localWins = local < remote
        return newDialedLocally == localWins
    }
}

extension Transport {
    /// The connection calls to `node` go on: the ready one, or one still connecting (calls queue
    /// on it). Dials when the node's address is known and it is not backing off.
    package func connection(to node: NodeId) throws(FabricError) -> Connection {
        let (existing, dialTo, failure) = state.withLock { state -> (Connection?, (Connection, NodeAddress)?, FabricError?) in
            guard !state.shuttingDown else { return (nil, nil, FabricError(.shutdown, "the node is shutting down")) }
            guard let record = state.record(for: node) else {
                return (nil, nil, FabricError(.nodeUnreachable, "no known address for node \(node)"))
            }
            if let connection = record.connection, connection.phase != .closed, connection.phase != .draining {
                return (connection, nil, nil)
            }
            guard let address = record.address else {
                return (nil, nil, FabricError(.nodeUnreachable, "node \(node) is not connected and has no address"))
            }
            guard group.loops[0].now >= record.nextDialAllowed else {
                return (nil, nil, FabricError(.nodeUnreachable, "node \(node) is unreachable (reconnecting)"))
            }
            let connection = makeDialer(to: address, in: &state)
            record.connection = connection
            state.peers[node] = record
            return (nil, (connection, address), nil)
        }
        if let failure { throw failure }
        if let existing { return existing }
        let (connection, address) = dialTo!
        startDial(connection, to: address)
        return connection
    }

    /// Nodes that have a ready connection now.
    package var connectedPeers: [RemotePeer] {
        state.withLock { state in
            state.peers.values.filter(\.isUp).map {
                RemotePeer(node: $0.node, generation: $0.generation, address: $0.address)
            }.sorted { $0.node < $1.node }
        }
    }

    /// Every node this one has heard of, with its address when it has one.
    package var knownPeers: [PeerInfo] {
        state.withLock { state in
            state.peers.values.compactMap { record in
                record.address.map { PeerInfo(node: record.node, generation: record.generation, address: $0) }
            }.sorted { $0.node < $1.node }
        }
    }

    /// Each known peer's traffic counters, over all its connections so far.
    package var peerStatistics: [NodeId: PeerStats] {
        state.withLock { state in state.peers.mapValues { $0.counters.snapshot } }
    }

    /// The process generation a connected node runs, if known.
    package func generation(of node: NodeId) -> UInt64? {
        state.withLock { state in state.peers[node].flatMap { $0.generation == 0 ? nil : $0.generation } }
    }

    /// What this node tells others about the cluster (capped to a handshake's list limit).
    func peersToShare(excluding node: NodeId?) -> [PeerInfo] {
        let peers = knownPeers.filter { $0.node != node }
        return Array(peers.prefix(Limits.handshakeListCountMax))
    }

    // MARK: Handshake decisions (called on the connection's loop)

    /// The acceptor's tie-break: nil to accept `connection` as the way to `peer`, or why not.
    func acceptorShouldRefuse(_ connection: Connection, from peer: RemotePeer) -> String? {
        let local = configuration.node
        let (refusal, superseded) = state.withLock { state -> (String?, Connection?) in
            let record = state.peers[peer.node] ?? PeerRecord(node: peer.node, configuration: configuration)
            var superseded: Connection?
            if let existing = record.connection, existing !== connection, existing.phase != .closed,
                existing.phase != .draining
            {
                let sameGeneration = existing.remote.map { $0.generation == peer.generation } ?? true
                if sameGeneration,
                    !ConnectionTieBreak.keepsNew(
                        existingDialedLocally: existing.isDialer, newDialedLocally: false, local: local, remote: peer.node)
                {
                    return ("\(local) keeps its own connection to \(peer.node)", nil)
                }
                superseded = existing
            }
            record.connection = connection
            state.peers[peer.node] = record
            return (nil, superseded)
        }
        if let superseded { supersede(superseded, by: connection, remoteGeneration: peer.generation) }
        return refusal
    }

    /// The dialer's check once its welcome arrived: true to keep `connection`.
    func dialerDidAgree(_ connection: Connection, with peer: RemotePeer) -> Bool {
        let local = configuration.node
        let (keep, other) = state.withLock { state -> (Bool, Connection?) in
            let record = state.peers[peer.node] ?? PeerRecord(node: peer.node, configuration: configuration)
            guard let existing = record.connection, existing !== connection, existing.phase != .closed,
                existing.phase != .draining
            else {
                record.connection = connection
                state.peers[peer.node] = record
                return (true, nil)
            }
            let sameGeneration = existing.remote.map { $0.generation == peer.generation } ?? true
            let existingSettled = existing.phase == .ready
            if !sameGeneration || !existingSettled
                || ConnectionTieBreak.keepsNew(
                    existingDialedLocally: existing.isDialer, newDialedLocally: true, local: local, remote: peer.node)
            {
                record.connection = connection
                state.peers[peer.node] = record
                return (true, existing)
            }
            return (false, existing)
        }
        guard let other else { return true }
        if keep {
            supersede(other, by: connection, remoteGeneration: peer.generation)
        } else {
            connection.handOverQueue(to: other)
        }
        return keep
    }

    /// `old` gives way to `new`: calls queued on it move over; a ready one drains (its pending
    /// calls still get their replies), a connecting one closes.
    private func supersede(_ old: Connection, by new: Connection, remoteGeneration: UInt64) {
        old.handOverQueue(to: new)
        old.loop.execute {
            if let oldGeneration = old.remote?.generation, oldGeneration != remoteGeneration {
                old.close(FabricError(.nodeDown, "\(old.remoteNode?.name ?? "peer") restarted"))
            } else if old.phase == .ready {
                old.move(to: .draining)
                if old.pendingCalls.isEmpty { old.close(FabricError(.nodeUnreachable, "superseded")) }
            } else {
                old.close(FabricError(.nodeUnreachable, "superseded by another connection"))
            }
        }
    }

    // MARK: Life-cycle events from connections

    func connectionDidBecomeReady(_ connection: Connection, peers: [PeerInfo]) {
        guard let peer = connection.remote else { return }
        let (notifyUp, restartedFrom, counters) = state.withLock { state -> (Bool, UInt64?, PeerCounters) in
            let record = state.peers[peer.node] ?? PeerRecord(node: peer.node, configuration: configuration)
            if record.everConnected, !record.isUp { record.counters.add(.reconnects) }
            record.everConnected = true
            let restartedFrom = record.generation != 0 && record.generation != peer.generation ? record.generation : nil
            let notify = !record.isUp || restartedFrom != nil
            record.generation = peer.generation
            if let address = peer.address { record.address = address }
            record.isUp = true
            record.backoff.reset()
            record.nextDialAllowed = .zero
            state.peers[peer.node] = record
            return (notify, restartedFrom, record.counters)
        }
        connection.counters = counters
        if let restartedFrom {
            delegate?.transportPeerDown(peer.node, generation: restartedFrom, restarted: true)
        }
        if notifyUp {
            log(.info, "peer \(peer.node) is up (\(peer.address?.description ?? "client"))")
            delegate?.transportPeerUp(peer)
            if let shareable = peer.shareable { broadcast(.peers([shareable]), except: connection) }
        }
        learn(peers, from: connection)
    }

    func connectionIsDraining(_ connection: Connection) {
        markDown(connection, dueTo: nil)
    }

    func connectionDidClose(_ connection: Connection, wasReady: Bool) {
        state.withLock { state in _ = state.connections.removeValue(forKey: connection.id) }
        markDown(connection, dueTo: connection.closeReason)
        if connection.remoteNode == nil, let seed = connection.dialedAddress {
            retrySeedIfNeeded(seed)
        }
    }

    /// `connection` no longer carries calls to its node: when it was the node's connection, the
    /// node is down until another one is ready; a listening node redials it.
    private func markDown(_ connection: Connection, dueTo reason: FabricError?) {
        guard let node = connection.remoteNode ?? nodeDialed(by: connection) else { return }
        let (notifyDown, generation, redialAfter) = state.withLock { state -> (Bool, UInt64, Duration?) in
            guard let record = state.peers[node], record.connection === connection else { return (false, 0, nil) }
            record.connection = nil
            let wasUp = record.isUp
            record.isUp = false
            var redial: Duration?
            if !state.shuttingDown, configuration.listen != nil, record.address != nil, reason?.code != .shutdown,
                !record.redialScheduled
            {
                var random = SystemRandomNumberGenerator()
                let delay = record.backoff.nextDelay(using: &random)
                record.nextDialAllowed = group.loops[0].now + delay
                record.redialScheduled = true
                redial = delay
            }
            state.peers[node] = record
            return (wasUp, record.generation, redial)
        }
        if notifyDown {
            log(.info, "peer \(node) is down: \(reason?.message ?? "draining")")
            delegate?.transportPeerDown(node, generation: generation, restarted: false)
        }
        if let redialAfter { scheduleRedial(node, after: redialAfter) }
    }

    private func nodeDialed(by connection: Connection) -> NodeId? {
        state.withLock { state in state.peers.first { $0.value.connection === connection }?.key }
    }

    private func scheduleRedial(_ node: NodeId, after delay: Duration) {
        let loop = group.next()
        loop.execute {
            _ = loop.scheduleTimer(after: delay) { [weak self] in
                guard let self else { return }
                let shouldDial = self.state.withLock { state -> Bool in
                    guard let record = state.peers[node] else { return false }
                    record.redialScheduled = false
                    state.peers[node] = record
                    return !state.shuttingDown && record.connection == nil
                }
                if shouldDial {
                    self.counters.add(.redials)
                    _ = try? self.connection(to: node)
                }
            }
        }
    }

    /// A seed that could not be reached is tried again (with backoff) until some node is known.
    private func retrySeedIfNeeded(_ seed: NodeAddress) {
        let retry = state.withLock { state -> Duration? in
            guard !state.shuttingDown, state.seeds.contains(seed),
                !state.peers.values.contains(where: { $0.address == seed && $0.isUp })
            else { return nil }
            var random = SystemRandomNumberGenerator()
            return state.seedBackoff.nextDelay(using: &random)
        }
        guard let retry else { return }
        let loop = group.next()
        loop.execute {
            _ = loop.scheduleTimer(after: retry) { [weak self] in
                guard let self else { return }
                let stillNeeded = self.state.withLock { state in
                    !state.shuttingDown && !state.peers.values.contains(where: { $0.address == seed && $0.connection != nil })
                }
                if stillNeeded { self.dial(seed, expecting: nil) }
            }
        }
    }

    // MARK: Gossip

    /// Records peers heard of from `connection`; a listening node dials the new ones (a full
    /// mesh, until membership takes over).
    func learn(_ peers: [PeerInfo], from source: Connection?) {
        let toDial = state.withLock { state -> [NodeId] in
            var dial: [NodeId] = []
            for peer in peers.prefix(Limits.peersPerMessageMax) where peer.node != configuration.node {
                let address = peer.address
                if state.peers[peer.node] == nil {
                    guard state.peers.count < configuration.limits.knownPeersMax else { break }
                    let record = PeerRecord(node: peer.node, configuration: configuration)
                    record.address = address
                    record.generation = peer.generation
                    state.peers[peer.node] = record
                    if configuration.listen != nil { dial.append(peer.node) }
                } else if state.peers[peer.node]?.address == nil {
                    state.peers[peer.node]?.address = address
                }
            }
            return dial
        }
        for node in toDial { _ = try? connection(to: node) }
    }

    /// Sends a system message on every ready connection but one.
    func broadcast(_ message: SystemMessage, except skipped: Connection?) {
        let connections = state.withLock { state in
            state.peers.values.compactMap(\.connection).filter { $0 !== skipped }
        }
        for connection in connections { connection.sendSystem(message) }
    }

    // MARK: Dialing internals

    func makeDialer(to address: NodeAddress, in state: inout TransportState) -> Connection {
        let connection = Connection(id: state.nextConnectionID(), loop: group.next(), transport: self, dialing: address)
        state.connections[connection.id] = connection
        return connection
    }

    /// Starts the TCP connect on the connection's loop (the reactor's streams are loop-confined).
    func startDial(_ connection: Connection, to address: NodeAddress) {
        let timeout = configuration.limits.connectTimeout
        connection.loop.execute { [weak self] in
            TCPStream.connect(host: address.host, port: address.port, on: connection.loop, timeout: timeout) { result in
                switch result {
                case .success(let stream):
                    if connection.phase == .closed { stream.close() } else { connection.attach(stream) }
                case .failure(let error):
                    self?.log(.debug, "dial \(address) failed: \(error)")
                    connection.close(FabricError(.nodeUnreachable, "cannot connect to \(address): \(error)"))
                }
            }
        }
    }
}

extension PeerRecord {
    convenience init(node: NodeId, configuration: TransportConfiguration) {
        self.init(node: node)
        backoff = Backoff(minimum: configuration.limits.reconnectBackoffMin, maximum: configuration.limits.reconnectBackoffMax)
    }
}
