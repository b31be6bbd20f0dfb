/// Writing fast-path values. `value` is always of the Swift type the case names (the caller
/// got the case from `BinaryPrimitive.of(T.self)`), so the casts below are reinterpretations of
/// a value as its own type, never conversions.
extension BinaryPrimitive {
    /// The bytes `append(_:to:)` will write for `value`.
    func encodedSize<T>(of value: T) -> Int {
        if let width = fixedWidth, !isArray { return width }
        switch self {
        case .string: return BinaryWireFormat.stringSize(unsafeBitCast(value, to: String.self))
        case .stringArray: return Self.arraySize(count: count(of: value), body: stringArrayBodySize(value))
        default:
            let elements = count(of: value)
            return Self.arraySize(count: elements, body: elements * (fixedWidth ?? 0))
        }
    }

    /// Appends the encoding of `value`.
    func append<T>(_ value: T, to bytes: inout [UInt8]) {
        switch self {
        case .bool: bytes.append(unsafeBitCast(value, to: Bool.self) ? 1 : 0)
        case .int8: bytes.append(UInt8(bitPattern: unsafeBitCast(value, to: Int8.self)))
        case .uint8: bytes.append(unsafeBitCast(value, to: UInt8.self))
        case .int16: Self.appendInteger(unsafeBitCast(value, to: Int16.self), to: &bytes)
        case .uint16: Self.appendInteger(unsafeBitCast(value, to: UInt16.self), to: &bytes)
        case .int32: Self.appendInteger(unsafeBitCast(value, to: Int32.self), to: &bytes)
        case .uint32: Self.appendInteger(unsafeBitCast(value, to: UInt32.self), to: &bytes)
        case .float: Self.appendInteger(unsafeBitCast(value, to: Float.self).bitPattern, to: &bytes)
        case .int64: Self.appendInteger(unsafeBitCast(value, to: Int64.self), to: &bytes)
        case .uint64: Self.appendInteger(unsafeBitCast(value, to: UInt64.self), to: &bytes)
        case .int: Self.appendInteger(Int64(unsafeBitCast(value, to: Int.self)), to: &bytes)
        case .uint: Self.appendInteger(UInt64(unsafeBitCast(value, to: UInt.self)), to: &bytes)
        case .double: Self.appendInteger(unsafeBitCast(value, to: Double.self).bitPattern, to: &bytes)
        case .int128: Self.appendInteger(unsafeBitCast(value, to: Int128.self), to: &bytes)
        case .uint128: Self.appendInteger(unsafeBitCast(value, to: UInt128.self), to: &bytes)
        case .string: BinaryWireFormat.appendString(unsafeBitCast(value, to: String.self), to: &bytes)
        default: appendArray(value, to: &bytes)
        }
    }

    /// Whether this is one of the array cases.
    var isArray: Bool { rawValue >= BinaryPrimitive.boolArray.rawValue }

    private static func appendInteger<Integer: FixedWidthInteger>(_ value: Integer, to bytes: inout [UInt8]) {
        BinaryWireFormat.appendLittleEndian(value, to: &bytes)
    }

    /// Container header and body length of a dense unkeyed container, plus the body.
    static func arraySize(count: Int, body: Int) -> Int {
        BinaryWireFormat.varintSize(BinaryWireFormat.containerHeader(count: count, kind: BinaryWireFormat.unkeyedDenseKind))
            + BinaryWireFormat.varintSize(UInt64(body)) + body
    }

    private static func appendArrayHeader(count: Int, body: Int, to bytes: inout [UInt8]) {
        let header = BinaryWireFormat.containerHeader(count: count, kind: BinaryWireFormat.unkeyedDenseKind)
        BinaryWireFormat.appendVarint(header, to: &bytes)
        BinaryWireFormat.appendVarint(UInt64(body), to: &bytes)
    }

    private func count<T>(of value: T) -> Int {
        switch self {
        case .boolArray: unsafeBitCast(value, to: [Bool].self).count
        case .int8Array: unsafeBitCast(value, to: [Int8].self).count
        case .byteArray: unsafeBitCast(value, to: [UInt8].self).count
        case .int16Array: unsafeBitCast(value, to: [Int16].self).count
        case .uint16Array: unsafeBitCast(value, to: [UInt16].self).count
        case .int32Array: unsafeBitCast(value, to: [Int32].self).count
        case .uint32Array: unsafeBitCast(value, to: [UInt32].self).count
        case .floatArray: unsafeBitCast(value, to: [Float].self).count
        case .int64Array: unsafeBitCast(value, to: [Int64].self).count
        case .uint64Array: unsafeBitCast(value, to: [UInt64].self).count
        case .intArray: unsafeBitCast(value, to: [Int].self).count
        case .uintArray: unsafeBitCast(value, to: [UInt].self).count
        case .doubleArray: unsafeBitCast(value, to: [Double].self).count
        case .stringArray: unsafeBitCast(value, to: [String].self).count
        default: preconditionFailure("\(self) is not an array")
        }
    }

    private func stringArrayBodySize<T>(_ value: T) -> Int {
        var body = 0
        for string in unsafeBitCast(value, to: [String].self) {
            body += BinaryWireFormat.stringSize(string)
        }
        return body
    }

    private func appendArray<T>(_ value: T, to bytes: inout [UInt8]) {
        switch self {
        case .boolArray: Self.appendFixedWidth(unsafeBitCast(value, to: [Bool].self), to: &bytes)
        case .int8Array: Self.appendFixedWidth(unsafeBitCast(value, to: [Int8].self), to: &bytes)
        case .byteArray: Self.appendFixedWidth(unsafeBitCast(value, to: [UInt8].self), to: &bytes)
        case .int16Array: Self.appendIntegers(unsafeBitCast(value, to: [Int16].self), to: &bytes)
        case .uint16Array: Self.appendIntegers(unsafeBitCast(value, to: [UInt16].self), to: &bytes)
        case .int32Array: Self.appendIntegers(unsafeBitCast(value, to: [Int32].self), to: &bytes)
        case .uint32Array: Self.appendIntegers(unsafeBitCast(value, to: [UInt32].self), to: &bytes)
        case .floatArray: Self.appendFloats(unsafeBitCast(value, to: [Float].self), to: &bytes)
        case .int64Array: Self.appendIntegers(unsafeBitCast(value, to: [Int64].self), to: &bytes)
        case .uint64Array: Self.appendIntegers(unsafeBitCast(value, to: [UInt64].self), to: &bytes)
        case .intArray: Self.appendIntegers(unsafeBitCast(value, to: [Int].self), to: &bytes)
        case .uintArray: Self.appendIntegers(unsafeBitCast(value, to: [UInt].self), to: &bytes)
        case .doubleArray: Self.appendFloats(unsafeBitCast(value, to: [Double].self), to: &bytes)
        case .stringArray: Self.appendStrings(unsafeBitCast(value, to: [String].self), to: &bytes)
        default: preconditionFailure("\(self) is not an array")
        }
    }

    /// One-byte elements: the array's storage is the body.
    private static func appendFixedWidth<Element>(_ array: [Element], to bytes: inout [UInt8]) {
        precondition(MemoryLayout<Element>.size == 1, "\(Element.self) is not one byte wide")
        appendArrayHeader(count: array.count, body: array.count, to: &bytes)
        array.withUnsafeBytes { bytes.append(contentsOf: $0) }
    }

    /// Integers are 8 bytes on the wire whatever the platform's `Int` width.
    private static func appendIntegers<Integer: FixedWidthInteger>(_ array: [Integer], to bytes: inout [UInt8]) {
        if Integer.self == Int.self || Integer.self == UInt.self, MemoryLayout<Integer>.size != 8 {
            appendArrayHeader(count: array.count, body: array.count * 8, to: &bytes)
            for element in array { appendInteger(Int64(truncatingIfNeeded: element), to: &bytes) }
            return
        }
        appendArrayHeader(count: array.count, body: array.count * MemoryLayout<Integer>.size, to: &bytes)
        #if _endian(little)
        array.withUnsafeBytes { bytes.append(contentsOf: $0) }
        #else
        for element in array { appendInteger(element, to: &bytes) }
        #endif
    }

    private static func appendFloats<Element: BinaryFloatingPoint>(_ array: [Element], to bytes: inout [UInt8]) {
        appendArrayHeader(count: array.count, body: array.count * MemoryLayout<Element>.size, to: &bytes)
        #if _endian(little)
        array.withUnsafeBytes { bytes.append(contentsOf: $0) }
        #else
        for element in array {
            withUnsafeBytes(of: element) { raw in bytes.append(contentsOf: raw.reversed()) }
        }
        #endif
    }

    private static func appendStrings(_ array: [String], to bytes: inout [UInt8]) {
        var body = 0
        for string in array { body += BinaryWireFormat.stringSize(string) }
        appendArrayHeader(count: array.count, body: body, to: &bytes)
        for string in array { BinaryWireFormat.appendString(string, to: &bytes) }
    }
}
