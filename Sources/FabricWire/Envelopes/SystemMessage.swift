import FabricCore

/// The payload of a system frame: connection upkeep that is not a call (message id = a
/// per-connection sequence number).
package enum SystemMessage: Hashable, Sendable {
    /// Keepalive; the peer answers `pong` with the same token.
    case ping(UInt64)
    /// Answer to `ping`.
    case pong(UInt64)
    /// Nodes the sender knows, so that names and addresses spread without a registry.
    case peers([PeerInfo])
    /// The sender is draining: it starts no new calls on this connection and the receiver
    /// should not either.
    case goodbye(reason: String)

    /// The tag byte; 0 is not a tag.
    enum Tag: UInt8 {
        case ping = 1
        case pong = 2
        case peers = 3
        case goodbye = 4
    }

    /// Appends the message to `buffer`. At most `Limits.peersPerMessageMax` peers are sent and
    /// the reason is cut to `Limits.errorMessageBytesMax` bytes.
    package func encode(into buffer: inout [UInt8]) {
        switch self {
        case .ping(let token):
            WireWriter.appendUInt8(Tag.ping.rawValue, to: &buffer)
            WireWriter.appendBigEndian(token, to: &buffer)
        case .pong(let token):
            WireWriter.appendUInt8(Tag.pong.rawValue, to: &buffer)
            WireWriter.appendBigEndian(token, to: &buffer)
        case .peers(let peers):
            WireWriter.appendUInt8(Tag.peers.rawValue, to: &buffer)
            PeerInfo.encodeList(peers, max: Limits.peersPerMessageMax, to: &buffer)
        case .goodbye(let reason):
            WireWriter.appendUInt8(Tag.goodbye.rawValue, to: &buffer)
            WireWriter.appendString(
                WireWriter.truncated(reason, maxBytes: Limits.errorMessageBytesMax), to: &buffer)
        }
    }

    /// The tag of `payload` when it has one this version does not know (not 0, which is never
    /// a tag): a message a newer node may send, which a receiver that agreed to it skips whole
    /// (the frame's length delimits it). Nil for known tags, tag 0 and an empty payload.
    package static func unknownTag(in payload: ArraySlice<UInt8>) -> UInt8? {
        guard let tag = payload.first, tag != 0, Tag(rawValue: tag) == nil else { return nil }
        return tag
    }

    /// Decodes a system payload.
    package static func decode(_ payload: UnsafeRawBufferPointer) throws(WireError) -> SystemMessage {
        var reader = WireReader(payload)
        let message = try decode(from: &reader)
        try reader.expectEnd()
        return message
    }

    /// Decodes a system payload.
    package static func decode(_ payload: ArraySlice<UInt8>) throws(WireError) -> SystemMessage {
        try WireReader.reading(payload) { (reader) throws(WireError) in
            let message = try decode(from: &reader)
            try reader.expectEnd()
            return message
        }
    }

    private static func decode(from reader: inout WireReader) throws(WireError) -> SystemMessage {
        let rawTag = try reader.readUInt8()
        switch Tag(rawValue: rawTag) {
        case .ping: return .ping(try reader.readBigEndian(UInt64.self))
        case .pong: return .pong(try reader.readBigEndian(UInt64.self))
        case .peers: return .peers(try PeerInfo.decodeList(from: &reader, max: Limits.peersPerMessageMax))
        case .goodbye: return .goodbye(reason: try reader.readString(maxBytes: Limits.errorMessageBytesMax))
        case nil: throw WireError(.malformed, "unknown system message tag \(rawTag)")
        }
    }
}
