import FabricCore
import FabricReactor
import FabricWire

/// What a node's transport needs to know about itself.
package struct TransportConfiguration: Sendable {
    /// Nodes only talk to nodes of the same cluster (checked in the handshake).
    package var cluster: String
    /// This node's name.
    package var node: NodeId
    /// This process's generation: random, fixed for the process's life.
    package var generation: UInt64
    /// Where to listen, or nil for a client-only node that only dials out.
    package var listen: NodeAddress?
    /// The address other nodes should dial (defaults to `listen`).
    package var advertisedAddress: NodeAddress?
    /// Offer zstd compression for large payloads.
    package var compression: Bool = true
    /// Offer CRC32C trailers on every frame (TCP already checksums; off by default).
    package var checksum: Bool = false
    /// Offer to skip system messages of kinds this version does not know (on by default; off
    /// only to test the behaviour of a node that predates the capability).
    package var skipsUnknownSystemMessages: Bool = true
    /// Offer to send and reassemble large messages as fragments interleaved with other frames.
    package var fragments: Bool = true
    /// Number of event loops (threads); defaults to the number of cores.
    package var loopCount: Int = System.coreCount
    package var limits: Limits = .default
    /// The time the transport reads outside its loops' timers (redial gates). The machine's
    /// monotonic clock unless a test or the simulator gives another.
    package var clock: any MonotonicClock = SystemClock()
    /// Where reconnect jitter comes from. The operating system's randomness unless a test or
    /// the simulator gives a seeded source.
    package var entropy: any Entropy = SystemEntropy()
    /// What goes between each connection's socket and its frames (a TLS session, say), for
    /// dialed and accepted connections alike; nil for plain TCP. Its handshake, if it has one,
    /// runs within the connection's `handshakeTimeout`.
    package var streamLayer: (any StreamLayer)?

    package init(cluster: String, node: NodeId, generation: UInt64, listen: NodeAddress?) {
        self.cluster = cluster
        self.node = node
        self.generation = generation
        self.listen = listen
        self.advertisedAddress = listen
    }

    var capabilities: Capabilities {
        Capabilities(
            compression: compression, checksum: checksum,
            frameBytesMax: UInt32(clamping: limits.frameBytesMax), encryption: false,
            skipsUnknownSystemMessages: skipsUnknownSystemMessages, fragments: fragments)
    }
}
