import Distributed
import FabricCore
import FabricTransport

/// Peer events from the transport, passed on to the observers installed with `onPeerEvent`.
extension FabricActorSystem {
    package func transportPeerUp(_ peer: RemotePeer) {
        notify(.up(peer.node, address: peer.address))
    }

    package func transportPeerDown(_ node: NodeId, generation: UInt64, restarted: Bool) {
        notify(.down(node))
    }

    /// Calls `observer` with `.up` for every peer connected now, then for every peer that
    /// comes up or goes down from now on — so nothing is missed however early or late the
    /// observer is installed (a node dials its seeds as soon as it starts).
    ///
    /// Events are delivered one at a time, in order, while a lock is held: an observer must
    /// not install another observer.
    public func onPeerEvent(_ observer: @escaping @Sendable (PeerEvent) -> Void) {
        observers.withLock { observers in
            observers.append(observer)
            for peer in transport.connectedPeers {
                observer(.up(peer.node, address: peer.address))
            }
        }
    }

    private func notify(_ event: PeerEvent) {
        observers.withLock { observers in
            for observer in observers { observer(event) }
        }
    }
}
