import FabricCore

/// A call's arguments encoded before their envelope exists, already in the envelope's layout
/// (each a 4-byte big-endian length, then its bytes): the invocation encoder records arguments
/// before it learns the recipient and target. The sender then appends the header to the same
/// array (`takeBytes`, `CallEnvelopeWriter.recordArguments(count:)`) and frames it first
/// (`OutboundMessage.wireStart`).
package struct CallArguments: Sendable {
    /// Every argument with its length prefix, back to back.
    package private(set) var bytes: [UInt8] = []
    package private(set) var count = 0

    package init() {}

    /// Starts with `buffer`'s capacity (an empty array from a pool) instead of allocating.
    package init(buffer: [UInt8]) {
        precondition(buffer.isEmpty, "an arguments buffer must start empty, not with \(buffer.count) bytes")
        bytes = buffer
    }

    /// Moves the encoded arguments out (the list is empty afterwards): the sender appends the
    /// envelope's header to the same array (`CallEnvelopeWriter.recordArguments(count:)`).
    package mutating func takeBytes() -> [UInt8] {
        let taken = bytes
        bytes = []
        count = 0
        return taken
    }

    /// Encodes one argument with `encode`, which appends its bytes to the buffer it is given.
    /// `limitExceeded` past `Limits.argumentsMax` arguments or 4 GiB in one argument (nothing
    /// kept); an error thrown by `encode` also leaves the list as it was.
    package mutating func append(
        _ encode: (inout [UInt8]) throws -> Void
    ) throws {
        guard count < Limits.argumentsMax else {
            throw WireError(.limitExceeded, "more than \(Limits.argumentsMax) arguments")
        }
        if bytes.capacity == 0 { bytes.reserveCapacity(Limits.callArgumentsBytesReserved) }
        let lengthOffset = WireWriter.reserveUInt32(in: &bytes)
        do {
            try encode(&bytes)
        } catch {
            bytes.removeSubrange(lengthOffset...)
            throw error
        }
        let length = bytes.count - lengthOffset - CallEnvelopeWriter.argumentLengthBytes
        guard let encodedLength = UInt32(exactly: length) else {
            bytes.removeSubrange(lengthOffset...)
            throw WireError(.limitExceeded, "argument of \(length) bytes")
        }
        WireWriter.storeBigEndian(encodedLength, at: lengthOffset, in: &bytes)
        count += 1
    }
}
