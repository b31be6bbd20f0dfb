/// Reads Fabric's wire primitives from untrusted bytes, checking every read against what is left.
///
/// The reader works on a raw buffer so that it costs no more than pointer arithmetic; it must not
/// outlive the `withUnsafeBytes` call that produced the buffer. `reading(_:_:)` sets that up for
/// an `ArraySlice`, and byte strings come back as offset ranges so that callers can slice the
/// original storage without copying. Every failure is a `WireError`: `truncated` when bytes run
/// out, `limitExceeded` when a count or length is over its limit (checked before anything is
/// allocated), `malformed` for bytes that cannot mean anything.
package struct WireReader {
    /// The bytes being read.
    package let bytes: UnsafeRawBufferPointer
    /// Where the next read starts, counted from the start of `bytes`.
    package private(set) var offset: Int = 0

    /// Starts reading at the first byte of `bytes`.
    package init(_ bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
    }

    /// Bytes not read yet.
    package var remainingCount: Int { bytes.count - offset }

    /// Whether every byte has been read.
    package var isAtEnd: Bool { offset == bytes.count }

    /// Runs `body` with a reader over `slice`; offsets the reader reports are relative to
    /// `slice.startIndex` (add it to slice the original).
    package static func reading<Result>(
        _ slice: ArraySlice<UInt8>, _ body: (inout WireReader) throws(WireError) -> Result
    ) throws(WireError) -> Result {
        let outcome = slice.withUnsafeBytes { raw in
            Swift.Result { () throws(WireError) -> Result in
                var reader = WireReader(raw)
                return try body(&reader)
            }
        }
        return try outcome.get()
    }

    /// Fails with `truncated` unless `count` more bytes are there.
    package func require(_ count: Int) throws(WireError) {
        guard count <= remainingCount else {
            throw WireError(
                .truncated, "needed \(count) bytes at offset \(offset), \(remainingCount) left")
        }
    }

    /// Fails with `trailingBytes` unless every byte was read: each message uses all of its
    /// payload, so leftovers mean a peer and this node disagree about the layout.
    package func expectEnd() throws(WireError) {
        guard isAtEnd else {
            throw WireError(.trailingBytes, "\(remainingCount) bytes left after the message")
        }
    }

    /// Reads one byte.
    package mutating func readUInt8() throws(WireError) -> UInt8 {
        try require(1)
        defer { offset += 1 }
        return bytes[offset]
    }

    /// Reads a big-endian integer.
    package mutating func readBigEndian<Integer: FixedWidthInteger & BitwiseCopyable>(
        _ type: Integer.Type
    ) throws(WireError) -> Integer {
        let size = MemoryLayout<Integer>.size
        try require(size)
        defer { offset += size }
        return Integer(bigEndian: bytes.loadUnaligned(fromByteOffset: offset, as: Integer.self))
    }

    /// Reads a little-endian integer.
    package mutating func readLittleEndian<Integer: FixedWidthInteger & BitwiseCopyable>(
        _ type: Integer.Type
    ) throws(WireError) -> Integer {
        let size = MemoryLayout<Integer>.size
        try require(size)
        defer { offset += size }
        return Integer(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: Integer.self))
    }

    /// Reads an unsigned LEB128 varint of at most 10 bytes whose value fits in 64 bits, in its
    /// shortest form. Longer, overflowing or padded encodings are `malformed`: a hostile run of
    /// continuation bytes cannot keep the reader busy, and every value has one encoding.
    package mutating func readVarint() throws(WireError) -> UInt64 {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        for index in 0..<WireWriter.varintBytesMax {
            let byte = try readUInt8()
            if index == WireWriter.varintBytesMax - 1, byte > 1 {
                throw WireError(.malformed, "varint overflows 64 bits at offset \(offset - 1)")
            }
            value |= UInt64(byte & 0x7F) << shift
            guard byte & 0x80 != 0 else {
                guard byte != 0 || index == 0 else {
                    throw WireError(.malformed, "varint not in its shortest form at offset \(offset - 1)")
                }
                return value
            }
            shift += 7
        }
        throw WireError(.malformed, "varint longer than \(WireWriter.varintBytesMax) bytes")
    }

    /// Reads a varint count of items that take at least `minimumItemBytes` each, checked against
    /// `max` (`limitExceeded`) and against the bytes left (`truncated`) before the caller
    /// allocates anything for the items.
    package mutating func readCount(max: Int, minimumItemBytes: Int) throws(WireError) -> Int {
        let raw = try readVarint()
        guard raw <= UInt64(max) else {
            throw WireError(.limitExceeded, "count \(raw) over the limit of \(max)")
        }
        let count = Int(raw)
        let (needed, overflow) = count.multipliedReportingOverflow(by: minimumItemBytes)
        guard !overflow, needed <= remainingCount else {
            throw WireError(
                .truncated, "\(count) items need at least \(needed) bytes, \(remainingCount) left")
        }
        return count
    }

    /// Reads a varint length of at most `maxBytes` that the remaining bytes can hold.
    package mutating func readLength(maxBytes: Int) throws(WireError) -> Int {
        let raw = try readVarint()
        guard raw <= UInt64(maxBytes) else {
            throw WireError(.limitExceeded, "length \(raw) over the limit of \(maxBytes)")
        }
        let length = Int(raw)
        try require(length)
        return length
    }

    /// Skips `count` bytes and returns their offsets, for the caller to slice its own storage.
    package mutating func readRange(count: Int) throws(WireError) -> Range<Int> {
        precondition(count >= 0, "negative byte count \(count)")
        try require(count)
        defer { offset += count }
        return offset..<(offset + count)
    }

    /// Reads a varint-length-prefixed byte string of at most `maxBytes` and returns its offsets.
    package mutating func readBytesRange(maxBytes: Int) throws(WireError) -> Range<Int> {
        try readRange(count: readLength(maxBytes: maxBytes))
    }

    /// Reads a varint-length-prefixed UTF-8 string of at most `maxBytes` bytes; invalid UTF-8 is
    /// `malformed`.
    package mutating func readString(maxBytes: Int) throws(WireError) -> String {
        let range = try readBytesRange(maxBytes: maxBytes)
        let text = UnsafeRawBufferPointer(rebasing: bytes[range]).withMemoryRebound(to: UInt8.self) {
            utf8 in
            // Names, paths and targets are ASCII: checking that is a few word operations, while
            // the general validator costs more than the rest of a call envelope's decoding.
            Self.isASCII(utf8) ? String(decoding: utf8, as: UTF8.self) : String(validating: utf8, as: UTF8.self)
        }
        guard let text else {
            throw WireError(.malformed, "invalid UTF-8 in a string at offset \(range.lowerBound)")
        }
        return text
    }

    /// Whether every byte is below 0x80, eight bytes at a time.
    static func isASCII(_ utf8: UnsafeBufferPointer<UInt8>) -> Bool {
        let raw = UnsafeRawBufferPointer(utf8)
        var offset = 0
        var highBits: UInt64 = 0
        while offset + 8 <= raw.count {
            highBits |= raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
            offset += 8
        }
        while offset < raw.count {
            highBits |= UInt64(raw[offset])
            offset += 1
        }
        return highBits & 0x8080_8080_8080_8080 == 0
    }

    /// Reads a one-byte boolean: 0 or 1, anything else `malformed` (one encoding per value).
    package mutating func readBool() throws(WireError) -> Bool {
        switch try readUInt8() {
        case 0: return false
        case 1: return true
        case let other: throw WireError(.malformed, "boolean byte \(other) at offset \(offset - 1)")
        }
    }
}
