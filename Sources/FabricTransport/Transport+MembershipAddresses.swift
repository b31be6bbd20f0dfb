import FabricCore
import FabricWire

/// Addresses membership heard of, recorded for dialling on demand.
extension Transport {
    /// Records that `peer` listens where membership says (`sender` told it). The same rules as
    /// peers named in handshakes (`learn(_:fromSender:)`): a known node keeps the address its
    /// own handshake gave, a name never connected gets one, and what one sender can add is
    /// bounded. Whether the transport dials it at once is the dial policy's call.
    package func learnFromMembership(_ peer: PeerInfo, sender: NodeId) {
        learn([peer], fromSender: sender)
    }
}
