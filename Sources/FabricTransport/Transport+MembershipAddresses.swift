import FabricCore
import FabricWire

/// Addresses membership heard of, recorded for dialling on demand.
extension Transport {
    /// Records that `peer` listens where membership says (`sender` told it). A known node keeps
    /// the address its own handshake gave (a name never connected gets one), as with names
    /// from handshakes; unlike those, membership's are not held to `gossipedPeersPerSenderMax`:
    /// a member learns every other member's address from the few it synchronises with, so a
    /// cluster of more than 64 would otherwise leave members without one. They are bounded by
    /// `knownPeersMax` (and membership's own `membersMax`) and listed after verified nodes in
    /// what this node tells others; one forgotten by the unverified-name expiry is recorded
    /// again with the next message membership sends it.
    package func learnFromMembership(_ peer: PeerInfo, sender: NodeId) {
        guard peer.node != configuration.node else { return }
        let limits = configuration.limits
        let dropped = state.withLock { state -> Bool in
            if let record = state.peers[peer.node] {
                if record.address == nil, !record.everConnected { record.address = peer.address }
                return false
            }
            forgetExpiredUnverified(&state)
            guard state.peers.count < limits.knownPeersMax else { return true }
            let record = PeerRecord(node: peer.node, configuration: configuration)
            record.address = peer.address
            record.generation = peer.generation
            record.unverified = UnverifiedPeer(sender: sender, learnedAt: configuration.clock.now)
            state.peers[peer.node] = record
            return false
        }
        if dropped { peerTableCounters.add(.gossipedPeersDropped) }
    }
}
