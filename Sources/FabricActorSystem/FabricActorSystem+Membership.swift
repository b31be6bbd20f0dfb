import Distributed
import FabricCore
import FabricReactor
import FabricTransport
import FabricWire

/// The membership interface: what a membership protocol (SWIM, or an operator) tells the actor
/// system about nodes, and what follows from it for calls. Whom the transport dials on its own
/// is the other half of the seam (`PeerDialPolicy`, given to the transport).
extension FabricActorSystem {
    /// `node`'s process `generation` is down: every call pending on it fails with `nodeDown`
    /// at once (not at its deadline), new calls to it are refused with `nodeDown`, and it is not
    /// redialled. A newer generation of the node (the process restarted) that shakes hands is
    /// accepted again and calls to it work; this generation stays down (DESIGN.md §4: when
    /// membership declares a node down, every pending call to it fails at once).
    package func declareDown(_ node: NodeId, generation: UInt64) {
        log(.info, "membership declared \(node) down (generation \(String(generation, radix: 16)))")
        transport.declareDown(node, generation: generation)
    }

    /// Hands a membership event (`ClusterEvent.Kind.isMembership`) to every subscription of
    /// `clusterEvents`; the latest one per member is replayed to later subscriptions.
    package func publishMembershipEvent(_ event: ClusterEvent) {
        precondition(event.kind.isMembership, "\(event) is not a membership event")
        clusterEventHub.publish(event)
    }

    /// Where `node` listens, as membership heard it: calls and membership messages to it dial
    /// there on demand. Known nodes keep the address their own handshake gave.
    package func learnAddress(_ address: NodeAddress, of node: NodeId, generation: UInt64, from sender: NodeId) {
        transport.learnFromMembership(PeerInfo(node: node, generation: generation, address: address), sender: sender)
    }

    /// Makes one of the node's own actors at `/system/<name>` (`/system/swim`, `/system/health`),
    /// addressed by node name alone, and keeps it alive like a well-known user actor until the
    /// node stops. Traps when the name is taken: system actors are made once, by the node.
    @discardableResult
    package func makeSystemActor<Act: DistributedActor>(
        name: String, _ factory: () -> Act
    ) -> Act where Act.ActorSystem == FabricActorSystem {
        let path = ActorID.systemPrefix + name
        precondition(ActorID.isValidPath(path), "invalid system actor path \(path)")
        precondition(registry.reserve(path), "the system actor \(path) exists already on \(node)")
        let actor = Self.$reservedPath.withValue(path) { factory() }
        precondition(actor.id.path == path, "makeSystemActor(\(name)) built an actor with ID \(actor.id), not at \(path)")
        wellKnownActors.withLock { $0[path] = actor }
        return actor
    }
}
