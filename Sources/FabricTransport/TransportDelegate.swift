import FabricCore
import FabricWire

/// What the transport tells the layer above it (the actor system). Calls arrive on the loop of
/// the connection that read them.
package protocol TransportDelegate: AnyObject, Sendable {
    /// A call or one-way frame arrived on a ready connection.
    func transport(_ connection: Connection, receivedCall frame: Frame)
    /// A node became reachable (its first connection of this generation is ready).
    func transportPeerUp(_ peer: RemotePeer)
    /// A node is no longer reachable (its last connection closed). `restarted` is set when it came
    /// back with a new generation, so everything addressed to the old one is `nodeDown`.
    func transportPeerDown(_ node: NodeId, generation: UInt64, restarted: Bool)
}
