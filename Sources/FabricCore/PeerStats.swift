/// A copy of one peer's traffic counters (`FabricNode.stats.peers`), summed over every
/// connection to it so far.
///
/// It lives in FabricCore, not beside the transport's counters, so that applications reach it
/// through `import Fabric` like the `NodeStats` that holds it.
public struct PeerStats: Sendable, Hashable, Codable {
    /// Bytes read from the peer.
    public var bytesIn: UInt64
    /// Bytes written to the peer.
    public var bytesOut: UInt64
    /// Frames read from the peer.
    public var framesIn: UInt64
    /// Frames written to the peer.
    public var framesOut: UInt64
    /// Connections to the peer that failed: a socket error, or bytes that broke the protocol.
    public var errors: UInt64
    /// Times the peer came back up after its connection was lost.
    public var reconnects: UInt64

    /// Counters from their values.
    public init(
        bytesIn: UInt64, bytesOut: UInt64, framesIn: UInt64, framesOut: UInt64, errors: UInt64,
        reconnects: UInt64
    ) {
        self.bytesIn = bytesIn
        self.bytesOut = bytesOut
        self.framesIn = framesIn
        self.framesOut = framesOut
        self.errors = errors
        self.reconnects = reconnects
    }
}
