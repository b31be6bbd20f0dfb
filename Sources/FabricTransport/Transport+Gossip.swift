import FabricCore
import FabricReactor
import FabricWire

/// Gossip of peers, kept from poisoning what this node tells others.
///
/// Names a node only heard of are *unverified* until a handshake with that node succeeds. Each
/// sender may have at most `Limits.gossipedPeersPerSenderMax` of them in the table at once;
/// they are shared after every verified node (so a flood of names cannot push a live node out
/// of a welcome's list); and they are forgotten when they never answer:
/// `Limits.unverifiedPeerDialAttemptsMax` failed dials, or `Limits.unverifiedPeerLifetime` on
/// the transport's clock without a handshake.
extension Transport {
    /// What this node tells others about the cluster, capped to a handshake's list limit:
    /// connected nodes first, then nodes it was connected to, then unverified names (each group
    /// by name). Nodes declared down are not shared.
    func peersToShare(excluding node: NodeId?) -> [PeerInfo] {
        state.withLock { state in
            forgetExpiredUnverified(&state)
            var ranked: [(rank: Int, peer: PeerInfo)] = []
            ranked.reserveCapacity(state.peers.count)
            for record in state.peers.values where record.node != node && !record.isDeclaredDown {
                guard let address = record.address else { continue }
                let rank = record.isUp ? 0 : record.unverified == nil ? 1 : 2
                ranked.append((rank, PeerInfo(node: record.node, generation: record.generation, address: address)))
            }
            ranked.sort { ($0.rank, $0.peer.node) < ($1.rank, $1.peer.node) }
            return ranked.prefix(Limits.handshakeListCountMax).map(\.peer)
        }
    }

    /// Records peers heard of from `connection` (its handshake's list or a `peers` message),
    /// and dials the new ones the dial policy wants.
    func learn(_ peers: [PeerInfo], from source: Connection?) {
        guard let sender = source?.remoteNode else { return }
        learn(peers, fromSender: sender)
    }

    /// Records peers that `sender` named. Known nodes are not changed by what another node says
    /// of them, except that a name never connected gets an address if it had none.
    func learn(_ peers: [PeerInfo], fromSender sender: NodeId) {
        let limits = configuration.limits
        let (learned, dropped) = state.withLock { state -> ([PeerInfo], UInt64) in
            forgetExpiredUnverified(&state)
            let now = configuration.clock.now
            var learned: [PeerInfo] = []
            var dropped: UInt64 = 0
            for peer in peers.prefix(Limits.peersPerMessageMax) where peer.node != configuration.node {
                if let record = state.peers[peer.node] {
                    if record.address == nil, !record.everConnected { record.address = peer.address }
                    continue
                }
                guard state.peers.count < limits.knownPeersMax,
                    state.gossipedBySender[sender, default: 0] < limits.gossipedPeersPerSenderMax
                else {
                    dropped += 1
                    continue
                }
                let record = PeerRecord(node: peer.node, configuration: configuration)
                record.address = peer.address
                record.generation = peer.generation
                record.unverified = UnverifiedPeer(sender: sender, learnedAt: now)
                state.peers[peer.node] = record
                state.gossipedBySender[sender, default: 0] += 1
                learned.append(peer)
            }
            return (learned, dropped)
        }
        if dropped > 0 {
            peerTableCounters.add(.gossipedPeersDropped, dropped)
            log(.info, "dropped \(dropped) names gossiped by \(sender) (at most \(limits.gossipedPeersPerSenderMax) unverified per sender)")
        }
        let context = dialContext
        for peer in learned where dialPolicy.shouldDial(learned: peer, in: context) {
            _ = try? connection(to: peer.node)
        }
    }

    /// Sends a system message on every ready connection but one.
    func broadcast(_ message: SystemMessage, except skipped: Connection?) {
        let connections = state.withLock { state in
            state.peers.values.compactMap(\.connection).filter { $0 !== skipped }
        }
        for connection in connections { connection.sendSystem(message) }
    }

    /// Forgets unverified names older than `Limits.unverifiedPeerLifetime` that no dial is
    /// trying now. Under the lock; cheap when there are none.
    func forgetExpiredUnverified(_ state: inout TransportState) {
        guard !state.gossipedBySender.isEmpty else { return }
        let now = configuration.clock.now
        let lifetime = configuration.limits.unverifiedPeerLifetime
        let expired = state.peers.values.filter { record in
            guard record.connection == nil, let unverified = record.unverified else { return false }
            return now.duration(since: unverified.learnedAt) >= lifetime
        }
        guard !expired.isEmpty else { return }
        for record in expired { state.forget(record.node) }
        peerTableCounters.add(.unverifiedPeersForgotten, UInt64(expired.count))
    }
}

extension TransportState {
    /// Removes `node`'s record (the caller decided it is not worth keeping).
    mutating func forget(_ node: NodeId) {
        guard let record = peers.removeValue(forKey: node) else { return }
        if let unverified = record.unverified { releaseGossiped(from: unverified.sender) }
    }

    /// One unverified name of `sender`'s was verified or forgotten.
    mutating func releaseGossiped(from sender: NodeId) {
        guard let count = gossipedBySender[sender] else { return }
        gossipedBySender[sender] = count > 1 ? count - 1 : nil
    }
}
