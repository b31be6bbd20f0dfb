import FabricCore
import FabricWire

/// Decides whom the transport dials on its own: the peers it hears of and the peers it lost.
///
/// This is the seam membership plugs into. Today the transport runs a full mesh
/// (`FullMeshDialPolicy`); the coming SWIM membership gives the transport its own policy (dial
/// the members it believes alive, stop redialling the ones it declared down) without the
/// transport changing. A policy only ever *narrows* what the transport does: whatever it says,
/// the transport never dials a generation declared down (`Transport.declareDown`), forgets
/// unverified names that never answer, and always dials on demand when a call needs a node.
///
/// Called outside the transport's lock, on whatever thread learned or lost the peer (often a
/// loop): an implementation must be quick and must not block.
package protocol PeerDialPolicy: Sendable {
    /// `peer` was just named to this node (in a handshake's list or a `peers` message) and is
    /// not verified yet: dial it now?
    func shouldDial(learned peer: PeerInfo, in context: PeerDialContext) -> Bool
    /// The connection to `node` was lost, or a dial to it failed (`wasVerified` tells a node
    /// this one has handshaken with from a name it only heard of): dial it again once the
    /// backoff has passed?
    func shouldRedial(_ node: NodeId, generation: UInt64, wasVerified: Bool, in context: PeerDialContext) -> Bool
}

/// What a `PeerDialPolicy` knows about the node asking.
package struct PeerDialContext: Sendable, Hashable {
    /// This node's name.
    package var local: NodeId
    /// Whether this node listens (a client-only node is never dialled back, so it usually only
    /// dials when a call needs a node).
    package var isListening: Bool

    package init(local: NodeId, isListening: Bool) {
        self.local = local
        self.isListening = isListening
    }
}

/// Peers before membership: a listening node dials every peer it hears of (a full mesh) and
/// redials lost ones with backoff; a client-only node dials only on demand.
package struct FullMeshDialPolicy: PeerDialPolicy {
    package init() {}

    package func shouldDial(learned peer: PeerInfo, in context: PeerDialContext) -> Bool {
        context.isListening
    }

    package func shouldRedial(_ node: NodeId, generation: UInt64, wasVerified: Bool, in context: PeerDialContext) -> Bool {
        context.isListening
    }
}
