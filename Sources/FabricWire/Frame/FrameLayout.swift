/// Sizes and offsets of a frame's fixed parts (DESIGN.md §5, `Docs/WireProtocol.md`):
///
/// ```
/// length: UInt32 BE | flags: UInt16 BE | message id: UInt64 BE | payload | [CRC32C: UInt32 BE]
/// ```
///
/// `length` counts every byte after itself: flags, message id, payload and the trailer.
package enum FrameLayout {
    /// Bytes of the length field.
    package static let lengthFieldBytes = 4
    /// Bytes of the flags field.
    package static let flagsBytes = 2
    /// Bytes of the message id field.
    package static let messageIDBytes = 8
    /// Bytes before the payload: length, flags and message id.
    package static let headerBytes = lengthFieldBytes + flagsBytes + messageIDBytes
    /// Bytes of the CRC32C trailer when the frame is checksummed.
    package static let checksumBytes = 4
    /// The smallest valid `length`: flags and message id with an empty payload, no trailer.
    package static let minimumLength = flagsBytes + messageIDBytes
    /// Where the flags start, counted from the frame's first byte.
    package static let flagsOffset = lengthFieldBytes
    /// Where the message id starts, counted from the frame's first byte.
    package static let messageIDOffset = lengthFieldBytes + flagsBytes
    /// The highest priority; 3 is control traffic (SWIM, Raft, health), which never waits
    /// behind bulk traffic.
    package static let priorityMax: UInt8 = 3
}
