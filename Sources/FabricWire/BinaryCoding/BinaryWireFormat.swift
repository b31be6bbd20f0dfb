/// The binary value format: how `BinaryEncoder` lays out a `Codable` value and how
/// `BinaryDecoder` reads it back. Every argument and return value of a remote call uses it.
///
/// The format is not self-describing: the decoder knows the type it expects, so plain values
/// carry no type tags. Only what the Codable API lets a decoder do out of order (look keys up,
/// skip values, ask whether something is nil) is put on the wire.
///
/// **Building blocks**
///
/// - *varint*: unsigned LEB128, 7 bits a byte, least significant group first, at most 10
///   bytes, shortest form only (a longer form is `malformed`). Used only for structural numbers
///   (lengths, counts, keys), which are small and unknown in width.
/// - *Integers* (`Int8`…`Int64`, `UInt8`…`UInt64`, `Int128`, `UInt128`): fixed width, little
///   endian, two's complement. `Int` and `UInt` are always 8 bytes so both sides agree whatever
///   the platform (a value that does not fit on a 32-bit reader is `typeMismatch`). Fixed width
///   was chosen over varints for speed: a value is one unaligned load or store with no
///   data-dependent branch, and an array of them is one `memcpy`; the bytes this wastes on small
///   numbers are won back by frame compression for large payloads.
/// - *Float* / *Double*: the IEEE 754 bit pattern as a 4 / 8 byte little-endian integer (NaN
///   payloads survive).
/// - *Bool*: one byte, `0` or `1`; any other byte is `malformed`.
/// - *String*: varint byte count, then that many bytes of UTF-8 (validated when decoded:
///   invalid UTF-8 is `malformed`).
///
/// **Containers**
///
/// Every container starts with a varint `count << 2 | kind` and carries the byte length of its
/// body, so any value can be skipped without knowing its type and every count is checked
/// against the bytes that are really there before anything is allocated.
///
/// - *Keyed* (kind `0`): header, varint body length, then `count` entries. An entry is a key,
///   a varint *value code* and the value: code `0` means the value is nil (`encodeNil(forKey:)`
///   or a nil `Optional`), code `n + 1` means `n` bytes of value follow. Keys are on the wire so
///   entries can be absent (`encodeIfPresent` omits nil optionals) or read in any order. A key
///   is a varint `k`: if `k` is even, `k >> 1` bytes of UTF-8 follow (the key's `stringValue`);
///   if `k` is odd, the key is the integer `zigzag⁻¹(k >> 1)` (used when the key's `intValue`
///   exists and its decimal spelling is exactly its `stringValue`, as for `[Int: V]` keys).
///   Entries appear in the order they were encoded; a decoder that reads keys in that order
///   finds each one at once. The body holds at least two bytes per entry.
/// - *Unkeyed* (kind `1`, dense): header, varint body length, then `count` elements back to
///   back with nothing between them.
/// - *Unkeyed with nils* (kind `2`): header, varint `p`, varint body length, then `p` elements
///   as in the dense form followed by `count - p` elements that each start with a presence
///   byte: `0` for nil (nothing follows), `1` for a value (which follows). An encoder writes the
///   dense form until the first nil element, so arrays without nils pay nothing for them.
///   Every element costs at least one byte (`count <= body length`); an element type that
///   encodes to no bytes at all cannot be put in an unkeyed container (`unsupported`).
///   An element written through `superEncoder()` starts (after its presence byte, if any) with
///   a value code as a keyed entry's value does, so that `superDecoder()` can hand it out
///   before it has been read.
///
/// **Values in a slot**
///
/// A *slot* is the place of one value: the whole input (top level), one keyed entry, or one
/// unkeyed element. A nil in a slot is said by the slot itself: an empty input at the top
/// level, value code `0` in an entry, presence byte `0` in an element. So `T?` holding a value
/// encodes exactly like `T`. A value nested deeper in optionals (`T??` holding `.some(nil)`)
/// spends the slot's nil on the outer level; each further level is a presence byte (`0` nil,
/// `1` a value follows). A single value container writes its value into the slot with nothing
/// around it, which is why `x.encode(to: encoder)` and `singleValueContainer().encode(x)` give
/// the same bytes, and `[UInt8]` encodes the same through its fast path and through
/// `Array`'s own `encode(to:)`. A single value container that calls `encodeNil()` inside the
/// payload of a present optional cannot be told apart from a value, and is `unsupported`.
///
/// `superEncoder()` of a keyed container is the entry `"super"`; `superEncoder(forKey:)` the
/// entry of that key.
///
/// **What the format cannot say** (encoding throws `unsupported`): elements that encode to no
/// bytes at all; at the top level, a present optional whose value encodes to no bytes (it
/// would read back as nil); `encodeNil()` of a single value container inside the payload of a
/// present optional; one value asking for two kinds of container. A key written twice into
/// one container gives two entries, and a decoder reads whichever its search meets first.
/// Reading a value otherwise than it was written is caught by the lengths in most cases but
/// not all: `decodeNil()` then `decode(T.self)` on an unkeyed element reads `T` in the
/// element's own slot, so for a `T` that is itself optional use `decode(T?.self)` or
/// `decodeIfPresent(T.self)`, which match `encode(_: T?)`.
///
/// Example: `struct Point: Codable { var x: Int32; var name: String }` holding `(1, "a")` is
/// `08 0F 02 78 05 01 00 00 00 08 6E 61 6D 65 03 01 61`: keyed header (2 entries), body length 15,
/// key "x", code 5 (4 bytes), 1 as Int32, key "name", code 3 (2 bytes), string "a".
enum BinaryWireFormat {
    /// Container kind in the low two bits of a container header: keyed.
    static let keyedKind: UInt64 = 0
    /// Container kind: unkeyed, every element present and untagged.
    static let unkeyedDenseKind: UInt64 = 1
    /// Container kind: unkeyed, elements after a leading run carry a presence byte.
    static let unkeyedTaggedKind: UInt64 = 2
    /// Bits of a container header holding the kind.
    static let kindBitCount: UInt64 = 2
    /// Mask of the kind bits of a container header.
    static let kindMask: UInt64 = 3

    /// Presence byte: no value follows (nil).
    static let absentTag: UInt8 = 0
    /// Presence byte: a value follows.
    static let presentTag: UInt8 = 1
    /// Value code of a keyed entry whose value is nil.
    static let nilValueCode: UInt64 = 0

    /// Entries are at least this many bytes (a key header and a value code).
    static let entryBytesMin = 2
    /// The name `superEncoder()` and `superDecoder()` use for the superclass's entry.
    static let superKeyName = "super"

    /// The number of bytes `value` takes as a varint.
    @inline(__always)
    static func varintSize(_ value: UInt64) -> Int {
        // 1 + floor(bit width / 7), with 0 taking one byte.
        let significantBits = 64 - (value | 1).leadingZeroBitCount
        return (significantBits + 6) / 7
    }

    /// Maps signed integers onto unsigned ones so that small magnitudes stay small.
    @inline(__always)
    static func zigzag(_ value: Int64) -> UInt64 {
        UInt64(bitPattern: (value << 1) ^ (value >> 63))
    }

    /// The inverse of `zigzag(_:)`.
    @inline(__always)
    static func unzigzag(_ value: UInt64) -> Int64 {
        Int64(bitPattern: value >> 1) ^ -Int64(bitPattern: value & 1)
    }

    /// The first byte of a container header.
    @inline(__always)
    static func containerHeader(count: Int, kind: UInt64) -> UInt64 {
        UInt64(count) << kindBitCount | kind
    }

    /// How a key goes on the wire.
    enum KeyForm {
        /// An integer key: the key's whole varint.
        case integer(UInt64)
        /// A string key: its name.
        case string(String)

        /// The form of `key`: its integer when it has one whose decimal spelling is its
        /// `stringValue` (so decoding by either gives the same key), else its string.
        @inline(__always)
        init<Key: CodingKey>(_ key: Key) {
            let name = key.stringValue
            if let integer = key.intValue {
                let zigzagged = BinaryWireFormat.zigzag(Int64(integer))
                if zigzagged >> 63 == 0, name == String(integer) {
                    self = .integer(zigzagged << 1 | 1)
                    return
                }
            }
            self = .string(name)
        }
    }
}
