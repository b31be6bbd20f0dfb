import FabricCore

/// The acceptor's positive answer to a `Hello`: the agreed version and capabilities, and who
/// the acceptor is and knows.
package struct Welcome: Hashable, Sendable {
    /// The protocol version both sides now speak.
    package var version: UInt16
    /// The acceptor's name.
    package var node: NodeId
    /// The acceptor's process generation.
    package var generation: UInt64
    /// Where the acceptor listens, as it advertises it (may differ from the dialed address
    /// behind NAT or a load balancer).
    package var advertisedAddress: NodeAddress?
    /// The agreed capabilities: what both offered, and the smaller frame limit.
    package var capabilities: Capabilities
    /// Nodes the acceptor knows (at most `Limits.handshakeListCountMax` are sent).
    package var peers: [PeerInfo]

    /// A welcome from its parts; `HandshakeNegotiation.answer` builds the real ones.
    package init(
        version: UInt16, node: NodeId, generation: UInt64, advertisedAddress: NodeAddress?,
        capabilities: Capabilities, peers: [PeerInfo] = []
    ) {
        self.version = version
        self.node = node
        self.generation = generation
        self.advertisedAddress = advertisedAddress
        self.capabilities = capabilities
        self.peers = peers
    }

    func encode(to buffer: inout [UInt8]) {
        WireWriter.appendBigEndian(version, to: &buffer)
        WireWriter.appendNodeId(node, to: &buffer)
        WireWriter.appendBigEndian(generation, to: &buffer)
        WireWriter.appendOptionalNodeAddress(advertisedAddress, to: &buffer)
        capabilities.encode(to: &buffer)
        PeerInfo.encodeList(peers, max: Limits.handshakeListCountMax, to: &buffer)
    }

    static func decode(from reader: inout WireReader) throws(WireError) -> Welcome {
        Welcome(
            version: try reader.readBigEndian(UInt16.self), node: try reader.readNodeId(),
            generation: try reader.readBigEndian(UInt64.self),
            advertisedAddress: try reader.readOptionalNodeAddress(),
            capabilities: try Capabilities.decode(from: &reader),
            peers: try PeerInfo.decodeList(from: &reader, max: Limits.handshakeListCountMax))
    }
}
