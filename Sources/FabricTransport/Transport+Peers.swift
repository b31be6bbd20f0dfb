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
            guard !state.blocked.contains(node) else {
                return (nil, nil, FabricError(.nodeUnreachable, "\(configuration.node) is partitioned from \(node) (a test partition)"))
            }
            guard let record = state.record(for: node) else {
                return (nil, nil, FabricError(.nodeUnreachable, "no known address for node \(node)"))
            }
            if !record.downGenerations.isEmpty, record.isDeclaredDown {
                return (nil, nil, FabricError(.nodeDown, "node \(node) (generation \(hex(record.generation))) was declared down"))
            }
            if let connection = record.connection, connection.phase != .closed, connection.phase != .draining {
                return (connection, nil, nil)
            }
            guard let address = record.address else {
                return (nil, nil, FabricError(.nodeUnreachable, "node \(node) is not connected and has no address"))
            }
            // The gate is set from the same clock (`markDown`) and lifted when the redial timer
            // fires (`scheduleRedial`): one time domain per comparison.
            guard record.nextDialAllowed == .zero || configuration.clock.now >= record.nextDialAllowed else {
                return (nil, nil, FabricError(.nodeUnreachable, "node \(node) is unreachable (reconnecting)"))
            }
            let connection = makeDialer(to: address, expecting: node, in: &state)
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

    /// Every node this one has heard of and can dial (unverified names past their lifetime are
    /// forgotten first).
    package var knownPeers: [PeerInfo] {
        state.withLock { state in
            forgetExpiredUnverified(&state)
            return state.peers.values.compactMap { record in
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

    // MARK: Handshake decisions (called on the connection's loop)

    /// What the acceptor does with a hello claiming to be `peer` (`mayChallenge` is false once
    /// a challenge of the node's ready connection has ended, so a claim is checked once).
    ///
    /// A ready connection to the node is never superseded by a hello alone: nothing in a hello
    /// proves who sent it, so the claimant waits while that connection is challenged
    /// (`Transport+Claims`). Otherwise the tie-break of simultaneous dials decides.
    func admission(of connection: Connection, claiming peer: RemotePeer, mayChallenge: Bool) -> HelloAdmission {
        let local = configuration.node
        let (admission, superseded) = state.withLock { state -> (HelloAdmission, Connection?) in
            let record = state.peers[peer.node] ?? PeerRecord(node: peer.node, configuration: configuration)
            if record.downGenerations.contains(peer.generation) {
                peerTableCounters.add(.declaredDownRefusals)
                return (.refuse(.badHello, "\(peer.node) generation \(hex(peer.generation)) was declared down by \(local)"), nil)
            }
            if state.blocked.contains(peer.node) {
                return (.refuse(.badHello, "\(local) is partitioned from \(peer.node) (a test partition)"), nil)
            }
            var superseded: Connection?
            if let existing = record.connection, existing !== connection, existing.phase != .closed,
                existing.phase != .draining
            {
                if existing.phase == .ready {
                    guard mayChallenge, record.claimant == nil else {
                        peerTableCounters.add(.claimsRefused)
                        let why = mayChallenge ? "another claim of that name is being checked" : "it connected again meanwhile"
                        return (.refuse(.duplicateConnection, "\(local) is connected to \(peer.node) already; \(why)"), nil)
                    }
                    record.claimant = connection
                    state.peers[peer.node] = record
                    return (.challenge(existing), nil)
                }
                let sameGeneration = existing.remote.map { $0.generation == peer.generation } ?? true
                if sameGeneration,
                    !ConnectionTieBreak.keepsNew(
                        existingDialedLocally: existing.isDialer, newDialedLocally: false, local: local, remote: peer.node)
                {
                    return (.refuse(.duplicateConnection, "\(local) keeps its own connection to \(peer.node)"), nil)
                }
                superseded = existing
                state.superseded.insert(existing.id)
            }
            record.connection = connection
            state.peers[peer.node] = record
            return (.admit, superseded)
        }
        if let superseded { supersede(superseded, by: connection, remoteGeneration: peer.generation) }
        return admission
    }

    /// The dialer's check once its welcome arrived: whether to keep `connection`.
    func welcomeVerdict(_ connection: Connection, from peer: RemotePeer) -> WelcomeVerdict {
        let local = configuration.node
        let (verdict, other) = state.withLock { state -> (WelcomeVerdict, Connection?) in
            if let expected = state.expectedNodes.removeValue(forKey: connection.id), expected != peer.node {
                peerTableCounters.add(.welcomesFromAnotherNode)
                return (.wrongNode(expected: expected), nil)
            }
            let record = state.peers[peer.node] ?? PeerRecord(node: peer.node, configuration: configuration)
            if record.downGenerations.contains(peer.generation) {
                peerTableCounters.add(.declaredDownRefusals)
                return (.declaredDown, nil)
            }
            if state.blocked.contains(peer.node) { return (.partitioned, nil) }
            // Superseded already (its queue went to the winner): it never wins a later verdict,
            // so two connections can never hand their queues to each other.
            if state.superseded.contains(connection.id) { return (.giveWay, nil) }
            guard let existing = record.connection, existing !== connection, existing.phase != .closed,
                existing.phase != .draining
            else {
                record.connection = connection
                state.peers[peer.node] = record
                return (.keep, nil)
            }
            let sameGeneration = existing.remote.map { $0.generation == peer.generation } ?? true
            let existingSettled = existing.phase == .ready
            if !sameGeneration || !existingSettled
                || ConnectionTieBreak.keepsNew(
                    existingDialedLocally: existing.isDialer, newDialedLocally: true, local: local, remote: peer.node)
            {
                record.connection = connection
                state.peers[peer.node] = record
                state.superseded.insert(existing.id)
                return (.keep, existing)
            }
            state.superseded.insert(connection.id)
            return (.giveWay, existing)
        }
        guard let other else { return verdict }
        if case .keep = verdict {
            supersede(other, by: connection, remoteGeneration: peer.generation)
        } else {
            connection.handOverQueue(to: other)
        }
        return verdict
    }

    /// `old` gives way to `new`: calls queued on it move over; a ready one drains (its pending
    /// calls still get their replies), a connecting one closes.
    func supersede(_ old: Connection, by new: Connection, remoteGeneration: UInt64) {
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
            state.expectedNodes[connection.id] = nil
            let record = state.peers[peer.node] ?? PeerRecord(node: peer.node, configuration: configuration)
            if record.everConnected, !record.isUp { record.counters.add(.reconnects) }
            record.everConnected = true
            if let unverified = record.unverified {
                record.unverified = nil
                state.releaseGossiped(from: unverified.sender)
            }
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
        state.withLock { state in
            _ = state.connections.removeValue(forKey: connection.id)
            state.superseded.remove(connection.id)
            state.expectedNodes[connection.id] = nil
        }
        markDown(connection, dueTo: connection.closeReason)
        if connection.remoteNode == nil, let seed = connection.dialedAddress {
            retrySeedIfNeeded(seed)
        }
    }

    /// `connection` no longer carries calls to its node: when it was the node's connection, the
    /// node is down until another one is ready, and it is redialled if the dial policy says so.
    /// An unverified name whose dials keep failing is forgotten instead.
    private func markDown(_ connection: Connection, dueTo reason: FabricError?) {
        guard let node = connection.remoteNode ?? nodeDialed(by: connection) else { return }
        let limits = configuration.limits
        let lost = state.withLock { state -> (wasUp: Bool, generation: UInt64, wasVerified: Bool, mayRedial: Bool, forgotten: Bool)? in
            guard let record = state.peers[node], record.connection === connection else { return nil }
            record.connection = nil
            let wasUp = record.isUp
            record.isUp = false
            if var unverified = record.unverified {
                unverified.failedDials += 1
                record.unverified = unverified
                if unverified.failedDials >= limits.unverifiedPeerDialAttemptsMax {
                    state.forget(node)
                    return (wasUp, record.generation, false, false, true)
                }
            }
            let mayRedial = !state.shuttingDown && record.address != nil && reason?.code != .shutdown
                && !record.redialScheduled && !record.isDeclaredDown
            state.peers[node] = record
            return (wasUp, record.generation, record.unverified == nil, mayRedial, false)
        }
        guard let lost else { return }
        if lost.wasUp {
            log(.info, "peer \(node) is down: \(reason?.message ?? "draining")")
            delegate?.transportPeerDown(node, generation: lost.generation, restarted: false)
        }
        if lost.forgotten {
            peerTableCounters.add(.unverifiedPeersForgotten)
            log(.info, "forgot \(node): named by gossip, never answered \(limits.unverifiedPeerDialAttemptsMax) dials")
        }
        guard lost.mayRedial,
            dialPolicy.shouldRedial(node, generation: lost.generation, wasVerified: lost.wasVerified, in: dialContext)
        else { return }
        let delay = state.withLock { state -> Duration? in
            guard let record = state.peers[node], record.connection == nil, !record.redialScheduled, !record.isDeclaredDown
            else { return nil }
            var random = configuration.entropy.generator()
            let delay = record.backoff.nextDelay(using: &random)
            record.nextDialAllowed = configuration.clock.now + delay
            record.redialScheduled = true
            return delay
        }
        if let delay { scheduleRedial(node, after: delay) }
    }

    /// What the dial policy is told about this node.
    var dialContext: PeerDialContext {
        PeerDialContext(local: configuration.node, isListening: configuration.listen != nil)
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
                    // The backoff has passed (on the loop's timer), so the gate it set is lifted
                    // here rather than compared across clocks.
                    record.nextDialAllowed = .zero
                    return !state.shuttingDown && record.connection == nil && !record.isDeclaredDown
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
            var random = configuration.entropy.generator()
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

    // MARK: Dialing internals

    /// A new dialing connection, registered; `node` is the node it must reach, when known (a
    /// welcome from another node then closes it).
    func makeDialer(to address: NodeAddress, expecting node: NodeId?, in state: inout TransportState) -> Connection {
        let connection = Connection(id: state.nextConnectionID(), loop: group.next(), transport: self, dialing: address)
        state.connections[connection.id] = connection
        if let node { state.expectedNodes[connection.id] = node }
        peerTableCounters.add(.dialsStarted)
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

/// A generation as the logs show it.
func hex(_ generation: UInt64) -> String { String(generation, radix: 16) }

extension PeerRecord {
    convenience init(node: NodeId, configuration: TransportConfiguration) {
        self.init(node: node)
        backoff = Backoff(minimum: configuration.limits.reconnectBackoffMin, maximum: configuration.limits.reconnectBackoffMax)
    }
}
