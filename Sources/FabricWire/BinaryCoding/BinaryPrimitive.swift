/// The types the binary coders read and write directly, without the Codable machinery: the
/// scalars every container API names, and arrays of them (one length check and one `memcpy`
/// for fixed-width elements instead of a call per element).
///
/// Each fast path writes exactly the bytes the generic path would (a scalar through a single
/// value container, an array through `Array.encode(to:)` and an unkeyed container), so a value
/// can be written by one path and read by the other.
enum BinaryPrimitive: UInt8 {
    case bool, int8, uint8
    case int16, uint16
    case int32, uint32, float
    case int64, uint64, int, uint, double
    case int128, uint128, string
    case boolArray, int8Array, byteArray, int16Array, uint16Array, int32Array, uint32Array
    case floatArray, int64Array, uint64Array, intArray, uintArray, doubleArray, stringArray

    /// The fast path for `T`, or nil if `T` goes through `Codable`.
    ///
    /// Metatype comparisons grouped by size: no dynamic cast, and a type that has no fast path
    /// pays a handful of pointer comparisons.
    @inline(__always)
    static func of<T>(_ type: T.Type) -> BinaryPrimitive? {
        switch MemoryLayout<T>.size {
        case 1: return ofSize1(type)
        case 2: return ofSize2(type)
        case 4: return ofSize4(type)
        case 8: return ofSize8(type)
        case 16: return ofSize16(type)
        default: return nil
        }
    }

    private static func ofSize1<T>(_ type: T.Type) -> BinaryPrimitive? {
        if type == UInt8.self { return .uint8 }
        if type == Bool.self { return .bool }
        if type == Int8.self { return .int8 }
        return nil
    }

    private static func ofSize2<T>(_ type: T.Type) -> BinaryPrimitive? {
        if type == Int16.self { return .int16 }
        if type == UInt16.self { return .uint16 }
        return nil
    }

    private static func ofSize4<T>(_ type: T.Type) -> BinaryPrimitive? {
        if type == Int32.self { return .int32 }
        if type == UInt32.self { return .uint32 }
        if type == Float.self { return .float }
        return nil
    }

    private static func ofSize8<T>(_ type: T.Type) -> BinaryPrimitive? {
        if type == [UInt8].self { return .byteArray }
        if type == Int.self { return .int }
        if type == Double.self { return .double }
        if type == Int64.self { return .int64 }
        if type == UInt64.self { return .uint64 }
        if type == UInt.self { return .uint }
        if type == [String].self { return .stringArray }
        if type == [Int].self { return .intArray }
        if type == [Double].self { return .doubleArray }
        if type == [Int64].self { return .int64Array }
        if type == [UInt64].self { return .uint64Array }
        if type == [UInt].self { return .uintArray }
        if type == [Int32].self { return .int32Array }
        if type == [UInt32].self { return .uint32Array }
        if type == [Float].self { return .floatArray }
        if type == [Int16].self { return .int16Array }
        if type == [UInt16].self { return .uint16Array }
        if type == [Int8].self { return .int8Array }
        if type == [Bool].self { return .boolArray }
        return nil
    }

    private static func ofSize16<T>(_ type: T.Type) -> BinaryPrimitive? {
        if type == String.self { return .string }
        if type == Int128.self { return .int128 }
        if type == UInt128.self { return .uint128 }
        return nil
    }

    /// Bytes of one value of a fixed-width scalar, or of one element of an array of them;
    /// nil for strings and arrays of strings.
    var fixedWidth: Int? {
        switch self {
        case .bool, .int8, .uint8, .boolArray, .int8Array, .byteArray: 1
        case .int16, .uint16, .int16Array, .uint16Array: 2
        case .int32, .uint32, .float, .int32Array, .uint32Array, .floatArray: 4
        case .int64, .uint64, .int, .uint, .double: 8
        case .int64Array, .uint64Array, .intArray, .uintArray, .doubleArray: 8
        case .int128, .uint128: 16
        case .string, .stringArray: nil
        }
    }
}
