/// Reading fast-path values. The caller got the case from `BinaryPrimitive.of(T.self)`, so the
/// value read has type `T` and the final casts reinterpret it as itself.
extension BinaryPrimitive {
    /// Reads a `T` at `position` (which moves past it), reading nothing at or past `end`.
    func read<T>(
        _ type: T.Type, _ input: UnsafeRawBufferPointer, at position: inout Int, end: Int
    ) throws(WireError) -> T {
        switch self {
        case .bool: return unsafeBitCast(try BinaryWireFormat.readBool(input, at: &position, end: end), to: T.self)
        case .int8: return unsafeBitCast(try Self.integer(Int8.self, input, &position, end), to: T.self)
        case .uint8: return unsafeBitCast(try Self.integer(UInt8.self, input, &position, end), to: T.self)
        case .int16: return unsafeBitCast(try Self.integer(Int16.self, input, &position, end), to: T.self)
        case .uint16: return unsafeBitCast(try Self.integer(UInt16.self, input, &position, end), to: T.self)
        case .int32: return unsafeBitCast(try Self.integer(Int32.self, input, &position, end), to: T.self)
        case .uint32: return unsafeBitCast(try Self.integer(UInt32.self, input, &position, end), to: T.self)
        case .int64: return unsafeBitCast(try Self.integer(Int64.self, input, &position, end), to: T.self)
        case .uint64: return unsafeBitCast(try Self.integer(UInt64.self, input, &position, end), to: T.self)
        case .int128: return unsafeBitCast(try Self.integer(Int128.self, input, &position, end), to: T.self)
        case .uint128: return unsafeBitCast(try Self.integer(UInt128.self, input, &position, end), to: T.self)
        case .int: return unsafeBitCast(try Self.platformInteger(Int.self, input, &position, end), to: T.self)
        case .uint: return unsafeBitCast(try Self.platformInteger(UInt.self, input, &position, end), to: T.self)
        case .float:
            let bits = try Self.integer(UInt32.self, input, &position, end)
            return unsafeBitCast(Float(bitPattern: bits), to: T.self)
        case .double:
            let bits = try Self.integer(UInt64.self, input, &position, end)
            return unsafeBitCast(Double(bitPattern: bits), to: T.self)
        case .string:
            return unsafeBitCast(try BinaryWireFormat.readString(input, at: &position, end: end), to: T.self)
        default:
            return try readArray(type, input, at: &position, end: end)
        }
    }

    @inline(__always)
    private static func integer<Integer: FixedWidthInteger>(
        _ type: Integer.Type, _ input: UnsafeRawBufferPointer, _ position: inout Int, _ end: Int
    ) throws(WireError) -> Integer {
        try BinaryWireFormat.readLittleEndian(type, input, at: &position, end: end)
    }

    /// `Int` and `UInt` travel as 8 bytes; a value too large for this platform is a mismatch.
    @inline(__always)
    private static func platformInteger<Integer: FixedWidthInteger>(
        _ type: Integer.Type, _ input: UnsafeRawBufferPointer, _ position: inout Int, _ end: Int
    ) throws(WireError) -> Integer {
        if Integer.isSigned {
            let wide = try integer(Int64.self, input, &position, end)
            guard let value = Integer(exactly: wide) else { throw tooWide(Integer.self) }
            return value
        }
        let wide = try integer(UInt64.self, input, &position, end)
        guard let value = Integer(exactly: wide) else { throw tooWide(Integer.self) }
        return value
    }

    private static func tooWide(_ type: Any.Type) -> WireError {
        WireError(.typeMismatch, "value does not fit in this platform's \(type)")
    }

    // MARK: Arrays

    /// Reads a dense unkeyed container header: the element count and the body's bounds.
    static func readArrayHeader(
        _ input: UnsafeRawBufferPointer, at position: inout Int, end: Int
    ) throws(WireError) -> (count: Int, bodyEnd: Int) {
        let header = try BinaryWireFormat.readVarint(input, at: &position, end: end)
        switch header & BinaryWireFormat.kindMask {
        case BinaryWireFormat.unkeyedDenseKind: break
        case BinaryWireFormat.unkeyedTaggedKind:
            throw WireError(.typeMismatch, "expected an array without nils, found nil elements")
        case BinaryWireFormat.keyedKind:
            throw WireError(.typeMismatch, "expected an unkeyed container, found a keyed one")
        default:
            throw WireError(.malformed, "unknown container kind \(header & BinaryWireFormat.kindMask)")
        }
        let body = try BinaryWireFormat.readLength(
            input, at: &position, end: end, what: "an unkeyed container's body")
        let count = header >> BinaryWireFormat.kindBitCount
        guard count <= UInt64(body) else {
            throw WireError(.malformed, "unkeyed container claims \(count) elements in \(body) bytes")
        }
        return (Int(count), position + body)
    }

    private func readArray<T>(
        _ type: T.Type, _ input: UnsafeRawBufferPointer, at position: inout Int, end: Int
    ) throws(WireError) -> T {
        let (count, bodyEnd) = try Self.readArrayHeader(input, at: &position, end: end)
        let body = UnsafeRawBufferPointer(rebasing: input[position..<bodyEnd])
        let value: T
        switch self {
        case .stringArray:
            value = unsafeBitCast(try Self.strings(count: count, input, from: position, to: bodyEnd), to: T.self)
        case .boolArray:
            for byte in body where byte > 1 {
                throw WireError(.malformed, "Bool byte is \(byte), not 0 or 1")
            }
            value = unsafeBitCast(try Self.copied(Bool.self, count: count, wireWidth: 1, body), to: T.self)
        case .int8Array: value = unsafeBitCast(try Self.copied(Int8.self, count: count, wireWidth: 1, body), to: T.self)
        case .byteArray:
            // `Array(_:)` from raw bytes takes a faster path than an uninitialized-capacity
            // array (which looks its storage type up at run time on every call).
            value = unsafeBitCast([UInt8](body), to: T.self)
        case .int16Array: value = unsafeBitCast(try Self.integers(Int16.self, count: count, body), to: T.self)
        case .uint16Array: value = unsafeBitCast(try Self.integers(UInt16.self, count: count, body), to: T.self)
        case .int32Array: value = unsafeBitCast(try Self.integers(Int32.self, count: count, body), to: T.self)
        case .uint32Array: value = unsafeBitCast(try Self.integers(UInt32.self, count: count, body), to: T.self)
        case .int64Array: value = unsafeBitCast(try Self.integers(Int64.self, count: count, body), to: T.self)
        case .uint64Array: value = unsafeBitCast(try Self.integers(UInt64.self, count: count, body), to: T.self)
        case .intArray: value = unsafeBitCast(try Self.integers(Int.self, count: count, body), to: T.self)
        case .uintArray: value = unsafeBitCast(try Self.integers(UInt.self, count: count, body), to: T.self)
        case .floatArray: value = unsafeBitCast(try Self.floats(Float.self, count: count, body), to: T.self)
        case .doubleArray: value = unsafeBitCast(try Self.floats(Double.self, count: count, body), to: T.self)
        default: preconditionFailure("\(self) is not an array")
        }
        position = bodyEnd
        return value
    }

    private static func checkBody(count: Int, wireWidth: Int, _ body: UnsafeRawBufferPointer, _ type: Any.Type) throws(WireError) {
        // count <= body.count (checked with the header), so the product cannot overflow.
        guard body.count == count * wireWidth else {
            throw WireError(.typeMismatch, "\(count) elements of \(type) need \(count * wireWidth) bytes, found \(body.count)")
        }
    }

    /// Elements whose in-memory layout is their wire layout: one copy. Inlined so the array
    /// is built with its concrete element type (a generic one costs a metadata lookup per call).
    @inline(__always)
    private static func copied<Element>(
        _ type: Element.Type, count: Int, wireWidth: Int, _ body: UnsafeRawBufferPointer
    ) throws(WireError) -> [Element] {
        try checkBody(count: count, wireWidth: wireWidth, body, type)
        return Array(unsafeUninitializedCapacity: count) { buffer, initialized in
            UnsafeMutableRawBufferPointer(buffer).copyMemory(from: body)
            initialized = count
        }
    }

    @inline(__always)
    private static func integers<Integer: FixedWidthInteger>(
        _ type: Integer.Type, count: Int, _ body: UnsafeRawBufferPointer
    ) throws(WireError) -> [Integer] {
        let isPlatformWidth = Integer.self == Int.self || Integer.self == UInt.self
        let wireWidth = isPlatformWidth ? 8 : MemoryLayout<Integer>.size
        #if _endian(little)
        if MemoryLayout<Integer>.size == wireWidth {
            return try copied(type, count: count, wireWidth: wireWidth, body)
        }
        #endif
        try checkBody(count: count, wireWidth: wireWidth, body, type)
        var result: [Integer] = []
        result.reserveCapacity(count)
        var position = 0
        for _ in 0..<count {
            if isPlatformWidth {
                result.append(try platformInteger(type, body, &position, body.count))
            } else {
                result.append(try integer(type, body, &position, body.count))
            }
        }
        return result
    }

    @inline(__always)
    private static func floats<Element: BinaryFloatingPoint>(
        _ type: Element.Type, count: Int, _ body: UnsafeRawBufferPointer
    ) throws(WireError) -> [Element] {
        #if _endian(little)
        return try copied(type, count: count, wireWidth: MemoryLayout<Element>.size, body)
        #else
        try checkBody(count: count, wireWidth: MemoryLayout<Element>.size, body, type)
        return (0..<count).map { index in
            var element = Element.zero
            withUnsafeMutableBytes(of: &element) { raw in
                for byte in 0..<raw.count { raw[byte] = body[index * raw.count + raw.count - 1 - byte] }
            }
            return element
        }
        #endif
    }

    private static func strings(
        count: Int, _ input: UnsafeRawBufferPointer, from start: Int, to bodyEnd: Int
    ) throws(WireError) -> [String] {
        var strings: [String] = []
        strings.reserveCapacity(count)
        var position = start
        for _ in 0..<count {
            strings.append(try BinaryWireFormat.readString(input, at: &position, end: bodyEnd))
        }
        guard position == bodyEnd else {
            throw WireError(.malformed, "[String] body has \(bodyEnd - position) bytes after its elements")
        }
        return strings
    }
}
