import FabricCore
import FabricWire

/// Who is at the other end of a connection, as its handshake said: a listening node has an
/// address; a client-only node has none.
package struct RemotePeer: Hashable, Sendable {
    package var node: NodeId
    package var generation: UInt64
    package var address: NodeAddress?

    package init(node: NodeId, generation: UInt64, address: NodeAddress?) {
        self.node = node
        self.generation = generation
        self.address = address
    }

    /// The wire form for sharing, when the peer can be dialed.
    var shareable: PeerInfo? {
        address.map { PeerInfo(node: node, generation: generation, address: $0) }
    }
}
