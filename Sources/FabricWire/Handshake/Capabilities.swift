import FabricCore

/// What a node can do on a connection, offered in a `Hello` and agreed in a `Welcome`.
///
/// On the wire capabilities are a list of (id, value) varint pairs, so a later version can add
/// one without changing the layout: a node ignores ids it does not know
/// (`Docs/WireProtocol.md`, "Capabilities").
package struct Capabilities: Hashable, Sendable {
    /// zstd compression of large payloads.
    package var compression: Bool
    /// CRC32C trailers on every frame.
    package var checksum: Bool
    /// The largest frame `length` the node accepts.
    package var frameBytesMax: UInt32
    /// AEAD message encryption: reserved, always false for now.
    package var encryption: Bool
    /// The node skips (and counts) system messages whose tag it does not know instead of
    /// closing the connection, so a newer peer may send kinds this node has never heard of
    /// (`Docs/WireProtocol.md`, "System"). Without it on both sides an unknown tag is a
    /// protocol error, as it always was.
    package var skipsUnknownSystemMessages: Bool
    /// The node reassembles messages sent as several frames (the `more-fragments` flag), so a
    /// large message can be interleaved with small ones (`Docs/WireProtocol.md`, "Fragments").
    package var fragments: Bool

    /// Capabilities from their parts; encryption stays false until AEAD exists.
    package init(
        compression: Bool, checksum: Bool, frameBytesMax: UInt32, encryption: Bool = false,
        skipsUnknownSystemMessages: Bool = false, fragments: Bool = false
    ) {
        self.compression = compression
        self.checksum = checksum
        self.frameBytesMax = frameBytesMax
        self.encryption = encryption
        self.skipsUnknownSystemMessages = skipsUnknownSystemMessages
        self.fragments = fragments
    }
}

/// Capability ids and their encoding.
extension Capabilities {
    /// The ids of the capabilities this version knows.
    enum Identifier: UInt64 {
        /// Value: bit mask of compression algorithms; bit 0 = zstd.
        case compression = 1
        /// Value: bit mask of checksum algorithms; bit 0 = CRC32C.
        case checksum = 2
        /// Value: the largest frame length accepted, at most `UInt32.max`.
        case frameBytesMax = 3
        /// Value: bit mask of AEAD algorithms; reserved, 0 for now.
        case encryption = 4
        /// Value: bit mask of how system messages are handled; bit 0 = unknown tags are
        /// skipped. Written only when non-zero, so a node that does not offer it sends the
        /// same bytes as one that predates it.
        case systemMessages = 5
        /// Value: bit mask of framing features; bit 0 = fragmented messages are reassembled.
        /// Written only when non-zero, like `systemMessages`.
        case framing = 6
    }

    /// Bit 0 of `framing`.
    static let fragmentsBit: UInt64 = 1

    /// Bit 0 of `systemMessages`.
    static let skipsUnknownSystemMessagesBit: UInt64 = 1

    /// Smallest encoded (id, value) pair: two one-byte varints.
    static let minimumEntryBytes = 2

    /// Appends the capability list: a varint count, then (id, value) varint pairs.
    func encode(to buffer: inout [UInt8]) {
        var entries: [(Identifier, UInt64)] = [
            (.compression, compression ? 1 : 0),
            (.checksum, checksum ? 1 : 0),
            (.frameBytesMax, UInt64(frameBytesMax)),
            (.encryption, encryption ? 1 : 0),
        ]
        if skipsUnknownSystemMessages { entries.append((.systemMessages, Self.skipsUnknownSystemMessagesBit)) }
        if fragments { entries.append((.framing, Self.fragmentsBit)) }
        WireWriter.appendVarint(UInt64(entries.count), to: &buffer)
        for (identifier, value) in entries {
            WireWriter.appendVarint(identifier.rawValue, to: &buffer)
            WireWriter.appendVarint(value, to: &buffer)
        }
    }

    /// Reads a capability list: unknown ids are skipped, a known id twice or a missing frame
    /// limit is `malformed`, unknown bits of the algorithm masks are ignored.
    static func decode(from reader: inout WireReader) throws(WireError) -> Capabilities {
        let count = try reader.readCount(
            max: Limits.handshakeListCountMax, minimumItemBytes: minimumEntryBytes)
        var values: [Identifier: UInt64] = [:]
        for _ in 0..<count {
            let rawIdentifier = try reader.readVarint()
            let value = try reader.readVarint()
            guard let identifier = Identifier(rawValue: rawIdentifier) else { continue }
            guard values.updateValue(value, forKey: identifier) == nil else {
                throw WireError(.malformed, "capability \(identifier) listed twice")
            }
        }
        guard let frameBytesMax = values[.frameBytesMax] else {
            throw WireError(.malformed, "capabilities without a frame limit")
        }
        guard let frameLimit = UInt32(exactly: frameBytesMax) else {
            throw WireError(.malformed, "frame limit \(frameBytesMax) over 32 bits")
        }
        return Capabilities(
            compression: (values[.compression] ?? 0) & 1 != 0,
            checksum: (values[.checksum] ?? 0) & 1 != 0,
            frameBytesMax: frameLimit,
            encryption: (values[.encryption] ?? 0) & 1 != 0,
            skipsUnknownSystemMessages: (values[.systemMessages] ?? 0) & skipsUnknownSystemMessagesBit != 0,
            fragments: (values[.framing] ?? 0) & fragmentsBit != 0)
    }
}
