import FabricCore

/// A node another node knows about: what handshakes and `peers` system messages gossip, so a
/// node that joins through one seed learns where the others listen.
package struct PeerInfo: Hashable, Sendable {
    /// The peer's name.
    package var node: NodeId
    /// The peer's process generation, so a restarted peer is told apart from its predecessor.
    package var generation: UInt64
    /// Where the peer listens.
    package var address: NodeAddress

    /// A peer from its parts.
    package init(node: NodeId, generation: UInt64, address: NodeAddress) {
        self.node = node
        self.generation = generation
        self.address = address
    }

    /// Smallest encoded peer: one-byte name and host, generation, port.
    static let minimumEncodedBytes = 2 + 8 + 2 + 2

    /// Appends node name, generation (8 bytes BE) and address.
    func encode(to buffer: inout [UInt8]) {
        WireWriter.appendNodeId(node, to: &buffer)
        WireWriter.appendBigEndian(generation, to: &buffer)
        WireWriter.appendNodeAddress(address, to: &buffer)
    }

    static func decode(from reader: inout WireReader) throws(WireError) -> PeerInfo {
        PeerInfo(
            node: try reader.readNodeId(), generation: try reader.readBigEndian(UInt64.self),
            address: try reader.readNodeAddress())
    }

    /// Appends a varint count and at most `max` peers (the first ones): gossip is partial by
    /// nature, and a list cut to the limit is better than a message the peer must reject.
    static func encodeList(_ peers: [PeerInfo], max: Int, to buffer: inout [UInt8]) {
        let sent = peers.prefix(max)
        WireWriter.appendVarint(UInt64(sent.count), to: &buffer)
        for peer in sent { peer.encode(to: &buffer) }
    }

    /// Reads a varint count (at most `max`) and that many peers.
    static func decodeList(from reader: inout WireReader, max: Int) throws(WireError) -> [PeerInfo] {
        let count = try reader.readCount(max: max, minimumItemBytes: minimumEncodedBytes)
        var peers: [PeerInfo] = []
        peers.reserveCapacity(count)
        for _ in 0..<count { peers.append(try decode(from: &reader)) }
        return peers
    }
}
