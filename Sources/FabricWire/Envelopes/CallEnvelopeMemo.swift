import FabricCore

/// The recipient and target of the last call envelope decoded on one connection, kept with the
/// exact bytes they came from.
///
/// A connection mostly carries calls to a few actors and methods, over and over. When the next
/// envelope starts with the same recipient bytes, or carries the same target bytes, the decoder
/// takes the remembered value instead of building and validating new strings: the fields are
/// length-prefixed, so equal bytes parse to an equal value, and the remembered value passed
/// validation when it was first read. Anything else is decoded and checked as usual.
///
/// One per connection, used from the connection's loop only.
package struct CallEnvelopeMemo: Sendable {
    private var recipientBytes: [UInt8] = []
    private var recipient: ActorID?
    private var targetBytes: [UInt8] = []
    private var target: String?

    package init() {}

    /// The remembered recipient when `bytes` start with its encoding at `offset`, and the
    /// encoding's length.
    func recipient(in bytes: UnsafeRawBufferPointer, at offset: Int) -> (ActorID, Int)? {
        guard let recipient, Self.matches(recipientBytes, bytes, at: offset) else { return nil }
        return (recipient, recipientBytes.count)
    }

    /// The remembered target when `bytes` start with its length-prefixed encoding at `offset`.
    func target(in bytes: UnsafeRawBufferPointer, at offset: Int) -> (String, Int)? {
        guard let target, Self.matches(targetBytes, bytes, at: offset) else { return nil }
        return (target, targetBytes.count)
    }

    mutating func remember(recipient: ActorID, encodedAs bytes: UnsafeRawBufferPointer) {
        self.recipient = recipient
        recipientBytes = Array(bytes)
    }

    mutating func remember(target: String, encodedAs bytes: UnsafeRawBufferPointer) {
        self.target = target
        targetBytes = Array(bytes)
    }

    /// Whether `bytes` hold `known` at `offset`, compared eight bytes at a time.
    private static func matches(_ known: [UInt8], _ bytes: UnsafeRawBufferPointer, at offset: Int) -> Bool {
        let count = known.count
        guard count > 0, offset >= 0, count <= bytes.count - offset else { return false }
        return known.withUnsafeBytes { known in
            var position = 0
            while position + 8 <= count {
                let a = known.loadUnaligned(fromByteOffset: position, as: UInt64.self)
                let b = bytes.loadUnaligned(fromByteOffset: offset + position, as: UInt64.self)
                guard a == b else { return false }
                position += 8
            }
            while position < count {
                guard known[position] == bytes[offset + position] else { return false }
                position += 1
            }
            return true
        }
    }
}
