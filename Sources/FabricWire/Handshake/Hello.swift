import FabricCore

/// The dialer's opening handshake message: who it is, what it speaks and can do, and who it
/// knows.
package struct Hello: Hashable, Sendable {
    /// The lowest protocol version the dialer speaks.
    package var versionMin: UInt16
    /// The highest protocol version the dialer speaks.
    package var versionMax: UInt16
    /// The cluster the dialer belongs to; nodes of different clusters never connect.
    package var cluster: String
    /// The dialer's name.
    package var node: NodeId
    /// The dialer's process generation.
    package var generation: UInt64
    /// Where the dialer listens; nil for a client-only node, which nobody dials back.
    package var advertisedAddress: NodeAddress?
    /// What the dialer offers.
    package var capabilities: Capabilities
    /// Nodes the dialer knows (at most `Limits.handshakeListCountMax` are sent).
    package var peers: [PeerInfo]

    /// A hello offering every version this build supports unless told otherwise.
    package init(
        versionMin: UInt16 = ProtocolVersion.supported.lowerBound,
        versionMax: UInt16 = ProtocolVersion.supported.upperBound, cluster: String, node: NodeId,
        generation: UInt64, advertisedAddress: NodeAddress?, capabilities: Capabilities,
        peers: [PeerInfo] = []
    ) {
        self.versionMin = versionMin
        self.versionMax = versionMax
        self.cluster = cluster
        self.node = node
        self.generation = generation
        self.advertisedAddress = advertisedAddress
        self.capabilities = capabilities
        self.peers = peers
    }

    func encode(to buffer: inout [UInt8]) {
        precondition(versionMin <= versionMax, "hello version range \(versionMin)...\(versionMax)")
        precondition(WireNames.isValidClusterName(cluster), "invalid cluster name \(cluster.debugDescription)")
        WireWriter.appendBigEndian(versionMin, to: &buffer)
        WireWriter.appendBigEndian(versionMax, to: &buffer)
        WireWriter.appendString(cluster, to: &buffer)
        WireWriter.appendNodeId(node, to: &buffer)
        WireWriter.appendBigEndian(generation, to: &buffer)
        WireWriter.appendOptionalNodeAddress(advertisedAddress, to: &buffer)
        capabilities.encode(to: &buffer)
        PeerInfo.encodeList(peers, max: Limits.handshakeListCountMax, to: &buffer)
    }

    /// Reads the fields of a version 1 hello. Bytes after them are left unread: later versions
    /// may only append to a hello, so that this node can still read it and answer with an
    /// explained refusal or an agreement on a version both speak.
    static func decode(from reader: inout WireReader) throws(WireError) -> Hello {
        let versionMin = try reader.readBigEndian(UInt16.self)
        let versionMax = try reader.readBigEndian(UInt16.self)
        guard versionMin <= versionMax else {
            throw WireError(.malformed, "hello version range \(versionMin)...\(versionMax) is empty")
        }
        return Hello(
            versionMin: versionMin, versionMax: versionMax, cluster: try reader.readClusterName(),
            node: try reader.readNodeId(), generation: try reader.readBigEndian(UInt64.self),
            advertisedAddress: try reader.readOptionalNodeAddress(),
            capabilities: try Capabilities.decode(from: &reader),
            peers: try PeerInfo.decodeList(from: &reader, max: Limits.handshakeListCountMax))
    }
}
