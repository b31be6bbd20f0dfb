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

    /// An agreement from its parts; `HandshakeNegotiation` builds the real ones.
    package init(version: UInt16, compression: Bool, checksum: Bool, frameBytesMax: Int) {
        self.version = version
        self.compression = compression
        self.checksum = checksum
        self.frameBytesMax = frameBytesMax
    }
}
