import FabricCore
import FabricTransport
import FabricWire
import Synchronization

/// Whom the transport dials on its own once membership runs: nobody it merely hears of, and,
/// of the nodes it loses, only those membership believes alive.
///
/// Membership is the source of who is in the cluster, not the peer lists shared in handshakes
/// (issue 9): a SWIM member reaches another by sending to it, which dials on demand, so
/// dialling every name heard of (the full mesh before membership) would only open connections
/// nobody asked for. A lost connection to a member still alive is redialled with backoff, so
/// calls to it do not each pay a connect; one to a suspect, unreachable, down or departed
/// member is not.
package final class MembershipDialPolicy: PeerDialPolicy {
    private let alive = Mutex<Set<NodeId>>([])

    package init() {}

    /// Membership's current verdict: the members it sees alive.
    package func update(alive members: Set<NodeId>) {
        alive.withLock { $0 = members }
    }

    package func shouldDial(learned peer: PeerInfo, in context: PeerDialContext) -> Bool {
        false
    }

    package func shouldRedial(_ node: NodeId, generation: UInt64, wasVerified: Bool, in context: PeerDialContext) -> Bool {
        context.isListening && alive.withLock { $0.contains(node) }
    }
}
