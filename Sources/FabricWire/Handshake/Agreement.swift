/// What both ends of a connection settled on in the handshake; the transport configures its
/// frame encoder and decoder from it.
package struct Agreement: Hashable, Sendable {
    /// The protocol version spoken on the connection.
    package var version: UInt16
    /// Whether large payloads may be zstd-compressed (both offered it).
    package var compression: Bool
    /// Whether every frame carries a CRC32C trailer (both offered it).
    package var checksum: Bool
    /// The largest frame `length` either side sends or accepts.
    package var frameBytesMax: Int
    /// Whether a system message with a tag the receiver does not know is skipped and counted
    /// rather than a protocol error (both offered it).
    package var skipsUnknownSystemMessages: Bool
    /// Whether large messages may be sent as several frames, interleaved with others (both
    /// offered it).
    package var fragments: Bool

    /// An agreement from its parts; `HandshakeNegotiation` builds the real ones.
    package init(
        version: UInt16, compression: Bool, checksum: Bool, frameBytesMax: Int, skipsUnknownSystemMessages: Bool = false,
        fragments: Bool = false
    ) {
        self.fragments = fragments
        self.version = version
        self.compression = compression
        self.checksum = checksum
        self.frameBytesMax = frameBytesMax
        self.skipsUnknownSystemMessages = skipsUnknownSystemMessages
    }
}
