import Distributed
import FabricCore
import FabricTransport

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
}
