/// Reading and writing the format's building blocks (varints, fixed-width integers,
/// strings) at a position in a buffer, checking every length against the bytes that remain.
extension BinaryWireFormat {
    // MARK: Writing

    /// Appends `value` as a varint.
    @inline(__always)
    static func appendVarint(_ value: UInt64, to bytes: inout [UInt8]) {
        if value < 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: value))
        } else {
            appendLongVarint(value, to: &bytes)
        }
    }

    /// Writes the varint into a scratch word pair and appends it in one go.
    private static func appendLongVarint(_ value: UInt64, to bytes: inout [UInt8]) {
        var scratch: (UInt64, UInt64) = (0, 0)
        withUnsafeMutableBytes(of: &scratch) { raw in
            let count = storeVarint(value, at: raw.baseAddress!)
            bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: raw[..<count]))
        }
    }

    /// Writes `value` as a varint at `pointer`, returning the bytes written.
    @inline(__always)
    static func storeVarint(_ value: UInt64, at pointer: UnsafeMutableRawPointer) -> Int {
        var rest = value
        var offset = 0
        while rest >= 0x80 {
            pointer.storeBytes(of: UInt8(truncatingIfNeeded: rest) | 0x80, toByteOffset: offset, as: UInt8.self)
            rest >>= 7
            offset += 1
        }
        pointer.storeBytes(of: UInt8(truncatingIfNeeded: rest), toByteOffset: offset, as: UInt8.self)
        return offset + 1
    }

    /// Appends `value` little endian in its full width.
    @inline(__always)
    static func appendLittleEndian<Integer: FixedWidthInteger>(_ value: Integer, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    /// Appends a string: its UTF-8 byte count as a varint, then the bytes.
    @inline(__always)
    static func appendString(_ value: String, to bytes: inout [UInt8]) {
        var string = value
        string.withUTF8 { utf8 in
            appendVarint(UInt64(utf8.count), to: &bytes)
            bytes.append(contentsOf: utf8)
        }
    }

    /// Bytes `appendString(value, to:)` appends.
    @inline(__always)
    static func stringSize(_ value: String) -> Int {
        let count = value.utf8.count
        return varintSize(UInt64(count)) + count
    }

    // MARK: Reading

    /// Reads a varint at `position` (which moves past it), not reading at or past `end`.
    @inline(__always)
    static func readVarint(
        _ input: UnsafeRawBufferPointer, at position: inout Int, end: Int
    ) throws(WireError) -> UInt64 {
        guard position < end else { throw truncated("a varint") }
        let first = input[position]
        if first < 0x80 {
            position += 1
            return UInt64(first)
        }
        return try readLongVarint(input, at: &position, end: end)
    }

    private static func readLongVarint(
        _ input: UnsafeRawBufferPointer, at position: inout Int, end: Int
    ) throws(WireError) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        var cursor = position
        while true {
            guard cursor < end else { throw truncated("a varint") }
            let byte = input[cursor]
            cursor += 1
            if shift == 63, byte > 1 {
                throw WireError(.malformed, "varint does not fit in 64 bits")
            }
            result |= UInt64(byte & 0x7F) << shift
            if byte < 0x80 {
                if byte == 0 { throw WireError(.malformed, "varint is not in its shortest form") }
                position = cursor
                return result
            }
            shift += 7
        }
    }

    /// Reads a varint that counts bytes and must fit in what remains before `end`.
    @inline(__always)
    static func readLength(
        _ input: UnsafeRawBufferPointer, at position: inout Int, end: Int, what: String
    ) throws(WireError) -> Int {
        let value = try readVarint(input, at: &position, end: end)
        guard value <= UInt64(end - position) else {
            throw truncated("\(what) (\(value) bytes claimed, \(end - position) left)")
        }
        return Int(value)
    }

    /// Reads a fixed-width little-endian integer at `position`.
    @inline(__always)
    static func readLittleEndian<Integer: FixedWidthInteger>(
        _ type: Integer.Type, _ input: UnsafeRawBufferPointer, at position: inout Int, end: Int
    ) throws(WireError) -> Integer {
        let size = MemoryLayout<Integer>.size
        guard end - position >= size else { throw truncated("\(Integer.self)") }
        let value = Integer(littleEndian: input.loadUnaligned(fromByteOffset: position, as: Integer.self))
        position += size
        return value
    }

    /// Reads a string at `position`, validating its UTF-8.
    static func readString(
        _ input: UnsafeRawBufferPointer, at position: inout Int, end: Int
    ) throws(WireError) -> String {
        let count = try readLength(input, at: &position, end: end, what: "a String")
        let utf8 = UnsafeRawBufferPointer(rebasing: input[position..<position + count])
        guard let string = makeString(utf8: utf8) else {
            throw WireError(.malformed, "String is not valid UTF-8")
        }
        position += count
        return string
    }

    /// The string `utf8` spells, or nil if it is not valid UTF-8.
    ///
    /// ASCII (most keys and names) is checked a word at a time and then decoded without
    /// validation (`String(validating:)` costs about 80 ns more per call here); anything else
    /// goes through the standard library's validation.
    @inline(__always)
    static func makeString(utf8: UnsafeRawBufferPointer) -> String? {
        if isASCII(utf8) { return String(decoding: utf8, as: UTF8.self) }
        return String(validating: utf8, as: UTF8.self)
    }

    /// Whether every byte of `bytes` is below 0x80.
    @inline(__always)
    static func isASCII(_ bytes: UnsafeRawBufferPointer) -> Bool {
        let count = bytes.count
        var offset = 0
        var highBits: UInt64 = 0
        while count - offset >= 8 {
            highBits |= bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
            offset += 8
        }
        while offset < count {
            highBits |= UInt64(bytes[offset])
            offset += 1
        }
        return highBits & 0x8080_8080_8080_8080 == 0
    }

    /// Reads one `Bool` byte, which must be 0 or 1.
    @inline(__always)
    static func readBool(
        _ input: UnsafeRawBufferPointer, at position: inout Int, end: Int
    ) throws(WireError) -> Bool {
        guard position < end else { throw truncated("Bool") }
        let byte = input[position]
        guard byte <= 1 else { throw WireError(.malformed, "Bool byte is \(byte), not 0 or 1") }
        position += 1
        return byte == 1
    }

    /// The error for input that ended early.
    static func truncated(_ what: String) -> WireError {
        WireError(.truncated, "input ends inside \(what)")
    }

    /// Whether two buffers of the same length hold the same bytes (a word at a time: keys are
    /// compared on every lookup, and this module stays clear of the C library).
    @inline(__always)
    static func bytesEqual(_ first: UnsafeRawBufferPointer, _ second: UnsafeRawBufferPointer) -> Bool {
        let count = first.count
        guard count == second.count else { return false }
        var offset = 0
        while count - offset >= 8 {
            if first.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
                != second.loadUnaligned(fromByteOffset: offset, as: UInt64.self) { return false }
            offset += 8
        }
        while offset < count {
            if first[offset] != second[offset] { return false }
            offset += 1
        }
        return true
    }
}
