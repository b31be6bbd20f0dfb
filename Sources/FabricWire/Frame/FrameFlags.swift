/// A frame's 16 flag bits (big-endian on the wire):
///
/// | bits | meaning |
/// |---|---|
/// | 0-2 | kind (`FrameKind`; 5-7 invalid) |
/// | 3 | compressed: the payload is one zstd frame |
/// | 4 | checksummed: a CRC32C trailer follows the payload |
/// | 5 | encrypted (reserved for AEAD; rejected `unsupported` for now) |
/// | 6-7 | priority 0...3 (3 = control) |
/// | 8 | more fragments: this frame is a fragment and more of its message follow (`unsupported` unless fragments were agreed) |
/// | 9-15 | reserved, must be 0 (`badFlags`) |
///
/// A value of this type is always valid: made from parts by `init(kind:priority:)`, or from
/// untrusted bits by `init(validating:acceptsCompression:)`.
package struct FrameFlags: Hashable, Sendable {
    /// The bits as they go on the wire.
    package private(set) var rawValue: UInt16

    static let kindMask: UInt16 = 0b111
    static let compressedBit: UInt16 = 1 << 3
    static let checksummedBit: UInt16 = 1 << 4
    static let encryptedBit: UInt16 = 1 << 5
    static let priorityShift: UInt16 = 6
    static let priorityMask: UInt16 = 0b11 << priorityShift
    static let moreFragmentsBit: UInt16 = 1 << 8
    static let reservedMask: UInt16 = 0xFE00

    /// Flags for a frame of `kind` at `priority` (0...3), neither compressed nor checksummed.
    package init(kind: FrameKind, priority: UInt8) {
        precondition(priority <= FrameLayout.priorityMax, "frame priority \(priority) over 3")
        rawValue = UInt16(kind.rawValue) | UInt16(priority) << Self.priorityShift
    }

    /// Checks bits from the wire.
    ///
    /// Reserved bits, kinds 5-7, and compression before it was negotiated (or on a handshake)
    /// are `badFlags`; encryption is `unsupported`, and so are fragments unless they were
    /// agreed (never on a handshake frame).
    package init(validating rawValue: UInt16, acceptsCompression: Bool, acceptsFragments: Bool = false) throws(WireError) {
        guard rawValue & Self.reservedMask == 0 else {
            throw WireError(.badFlags, "reserved flag bits set in \(Self.hex(rawValue))")
        }
        guard let kind = FrameKind(rawValue: UInt8(rawValue & Self.kindMask)) else {
            throw WireError(.badFlags, "invalid frame kind \(rawValue & Self.kindMask)")
        }
        guard rawValue & Self.encryptedBit == 0 else {
            throw WireError(.unsupported, "encrypted frames are not supported")
        }
        if rawValue & Self.moreFragmentsBit != 0 {
            guard acceptsFragments, kind != .handshake else {
                throw WireError(.unsupported, "fragmented \(kind) frame, fragments not negotiated")
            }
        }
        if rawValue & Self.compressedBit != 0 {
            guard acceptsCompression, kind != .handshake else {
                throw WireError(.badFlags, "compressed \(kind) frame, compression not negotiated")
            }
        }
        self.rawValue = rawValue
    }

    /// What the frame carries.
    package var kind: FrameKind {
        // Valid by construction: both initialisers only store kinds 0...4.
        FrameKind(rawValue: UInt8(rawValue & Self.kindMask))!
    }

    /// 0...3; 3 is control traffic.
    package var priority: UInt8 {
        UInt8((rawValue & Self.priorityMask) >> Self.priorityShift)
    }

    /// Whether the payload is a zstd frame.
    package var isCompressed: Bool {
        get { rawValue & Self.compressedBit != 0 }
        set { rawValue = newValue ? rawValue | Self.compressedBit : rawValue & ~Self.compressedBit }
    }

    /// Whether a CRC32C trailer follows the payload.
    package var isChecksummed: Bool {
        get { rawValue & Self.checksummedBit != 0 }
        set { rawValue = newValue ? rawValue | Self.checksummedBit : rawValue & ~Self.checksummedBit }
    }

    /// Whether more fragments of this frame's message follow.
    package var hasMoreFragments: Bool {
        get { rawValue & Self.moreFragmentsBit != 0 }
        set { rawValue = newValue ? rawValue | Self.moreFragmentsBit : rawValue & ~Self.moreFragmentsBit }
    }

    /// Bytes of trailer these flags call for.
    package var trailerBytes: Int { isChecksummed ? FrameLayout.checksumBytes : 0 }

    private static func hex(_ value: UInt16) -> String {
        let digits = String(value, radix: 16)
        return "0x" + String(repeating: "0", count: 4 - digits.count) + digits
    }
}
