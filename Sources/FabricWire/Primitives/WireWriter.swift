import FabricCore

/// Appends Fabric's wire primitives to a byte buffer: fixed-width integers, LEB128 varints and
/// varint-length-prefixed strings and byte strings.
///
/// A namespace of static functions over `inout [UInt8]` rather than a value owning a buffer, so
/// that every encoder appends straight into the frame buffer it was handed (no intermediate
/// arrays, no buffer swapping). Layouts are described in `Docs/WireProtocol.md`.
package enum WireWriter {
    /// Bytes a varint of a `UInt64` can take at most (7 payload bits per byte).
    package static let varintBytesMax = 10

    /// Appends one byte.
    @inlinable
    package static func appendUInt8(_ value: UInt8, to buffer: inout [UInt8]) {
        buffer.append(value)
    }

    /// Appends `value` most significant byte first, the order of every fixed-width field on
    /// Fabric's wire.
    @inlinable
    package static func appendBigEndian<Integer: FixedWidthInteger>(
        _ value: Integer, to buffer: inout [UInt8]
    ) {
        withUnsafeBytes(of: value.bigEndian) { buffer.append(contentsOf: $0) }
    }

    /// Appends `value` least significant byte first (for formats defined that way, such as
    /// zstd's and the binary coder's).
    @inlinable
    package static func appendLittleEndian<Integer: FixedWidthInteger>(
        _ value: Integer, to buffer: inout [UInt8]
    ) {
        withUnsafeBytes(of: value.littleEndian) { buffer.append(contentsOf: $0) }
    }

    /// Appends `value` as an unsigned LEB128 varint: 7 bits per byte, low bits first, the high
    /// bit set on every byte but the last. Small numbers (lengths, counts) take one byte.
    @inlinable
    package static func appendVarint(_ value: UInt64, to buffer: inout [UInt8]) {
        var remaining = value
        while remaining >= 0x80 {
            buffer.append(UInt8(truncatingIfNeeded: remaining) | 0x80)
            remaining >>= 7
        }
        buffer.append(UInt8(remaining))
    }

    /// Appends a string as its UTF-8 byte count (varint) followed by the bytes.
    ///
    /// The caller keeps the string within the limit the reader will apply; see the message
    /// types, which cut or check their strings before calling this.
    @inlinable
    package static func appendString(_ value: String, to buffer: inout [UInt8]) {
        var value = value
        value.withUTF8 { utf8 in
            appendVarint(UInt64(utf8.count), to: &buffer)
            buffer.append(contentsOf: utf8)
        }
    }

    /// Appends a byte string as its count (varint) followed by the bytes.
    @inlinable
    package static func appendBytes(_ bytes: UnsafeRawBufferPointer, to buffer: inout [UInt8]) {
        appendVarint(UInt64(bytes.count), to: &buffer)
        buffer.append(contentsOf: bytes)
    }

    /// Appends a byte string as its count (varint) followed by the bytes.
    @inlinable
    package static func appendBytes(_ bytes: ArraySlice<UInt8>, to buffer: inout [UInt8]) {
        appendVarint(UInt64(bytes.count), to: &buffer)
        buffer.append(contentsOf: bytes)
    }

    /// Appends four zero bytes to be overwritten later by `storeBigEndian(_:at:in:)`, and returns
    /// where they are: how length prefixes are written before the length is known, without
    /// moving the bytes that follow.
    @inlinable
    package static func reserveUInt32(in buffer: inout [UInt8]) -> Int {
        let offset = buffer.count
        buffer.append(contentsOf: repeatElement(0, count: 4))
        return offset
    }

    /// Overwrites the bytes at `offset` with `value` in big-endian order (a backpatch).
    @inlinable
    package static func storeBigEndian<Integer: FixedWidthInteger>(
        _ value: Integer, at offset: Int, in buffer: inout [UInt8]
    ) {
        let size = MemoryLayout<Integer>.size
        precondition(
            offset >= 0 && offset + size <= buffer.count,
            "backpatch of \(size) bytes at \(offset) outside a buffer of \(buffer.count)")
        buffer.withUnsafeMutableBytes { raw in
            raw.storeBytes(of: value.bigEndian, toByteOffset: offset, as: Integer.self)
        }
    }

    /// Cuts `text` to at most `maxBytes` UTF-8 bytes on a character boundary: how human-readable
    /// messages (refusals, errors, goodbyes) are kept within `Limits.errorMessageBytesMax`
    /// instead of failing the whole message.
    /// A message for people, over `Limits.errorMessageBytesMax` bytes cut to fit with "..."
    /// at the end (so a reader can tell it was cut).
    package static func boundedMessage(_ text: String) -> String {
        guard text.utf8.count > Limits.errorMessageBytesMax else { return text }
        return truncated(text, maxBytes: Limits.errorMessageBytesMax - 3) + "..."
    }

    package static func truncated(_ text: String, maxBytes: Int) -> String {
        guard text.utf8.count > maxBytes else { return text }
        var result = ""
        var used = 0
        for character in text {
            let size = character.utf8.count
            guard used + size <= maxBytes else { break }
            result.append(character)
            used += size
        }
        return result
    }
}
