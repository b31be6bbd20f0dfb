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

/// Holds a transport's delegate for it without retaining it, so that the delegate object is
/// never referred to weakly: a weak reference gives an object a side table, and every retain of
/// it then takes the runtime's slow path — the actor system is retained many times per call.
/// The transport keeps the delegate alive on the side until its loops have stopped
/// (`Transport.retainDelegate`), so the box never outlives it in use.
package final class TransportDelegateBox: @unchecked Sendable {
    package unowned(unsafe) let delegate: any TransportDelegate

    package init(_ delegate: any TransportDelegate) {
        self.delegate = delegate
    }
}
