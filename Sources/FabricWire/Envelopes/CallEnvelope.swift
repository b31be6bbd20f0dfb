import FabricCore

/// The payload of a call or one-way frame: which actor, which method, with what, and how long
/// the caller will wait. The call id and priority are in the frame header.
///
/// Arguments are opaque byte strings encoded by the binary coder; decoding slices them out of
/// the payload without copying.
package struct CallEnvelope: Hashable, Sendable {
    /// The actor the call is for.
    package var recipient: ActorID
    /// Microseconds the caller had left when it sent the call, 0 for none (one-way). A budget
    /// rather than an instant, because two hosts' clocks do not compare (DESIGN.md §4).
    package var deadlineBudgetMicroseconds: UInt64
    /// The distributed target identifier (the mangled method name), at most
    /// `Limits.targetIdentifierBytesMax` bytes.
    package var target: String
    /// Type names of the generic substitutions, at most `Limits.genericSubstitutionsMax`, each
    /// at most `Limits.typeNameBytesMax` bytes.
    package var genericSubstitutions: [String]
    /// The encoded arguments, at most `Limits.argumentsMax`.
    package var arguments: ArgumentSlices

    /// An envelope from its parts; `encode(into:)` checks them against the limits.
    package init(
        recipient: ActorID, deadlineBudgetMicroseconds: UInt64, target: String,
        genericSubstitutions: [String] = [], arguments: [ArraySlice<UInt8>] = []
    ) {
        self.recipient = recipient
        self.deadlineBudgetMicroseconds = deadlineBudgetMicroseconds
        self.target = target
        self.genericSubstitutions = genericSubstitutions
        self.arguments = ArgumentSlices(arguments)
    }

    /// An envelope with its arguments already sliced (a decoded one).
    init(
        recipient: ActorID, deadlineBudgetMicroseconds: UInt64, target: String, genericSubstitutions: [String],
        argumentSlices: ArgumentSlices
    ) {
        self.recipient = recipient
        self.deadlineBudgetMicroseconds = deadlineBudgetMicroseconds
        self.target = target
        self.genericSubstitutions = genericSubstitutions
        self.arguments = argumentSlices
    }

    /// Appends the envelope to `buffer` (through `CallEnvelopeWriter`); `limitExceeded` or
    /// `malformed` for a target, substitution list or argument list the receiver would reject,
    /// with `buffer` left as it was.
    package func encode(into buffer: inout [UInt8]) throws(WireError) {
        let start = buffer.count
        do {
            var writer = try CallEnvelopeWriter(
                recipient: recipient, deadlineBudgetMicroseconds: deadlineBudgetMicroseconds,
                target: target, genericSubstitutions: genericSubstitutions, into: &buffer)
            for argument in arguments {
                writer.beginArgument(&buffer)
                buffer.append(contentsOf: argument)
                try writer.endArgument(&buffer)
            }
            try writer.finish(&buffer)
        } catch {
            buffer.removeSubrange(start...)
            throw error
        }
    }

    /// Decodes a call or one-way payload. The argument slices share `payload`'s storage.
    package static func decode(_ payload: ArraySlice<UInt8>) throws(WireError) -> CallEnvelope {
        var memo = CallEnvelopeMemo()
        return try decode(payload, memo: &memo)
    }

    /// Decodes a call or one-way payload, taking the recipient and target from `memo` when their
    /// bytes are the ones it remembers, and remembering them otherwise.
    package static func decode(
        _ payload: ArraySlice<UInt8>, memo: inout CallEnvelopeMemo
    ) throws(WireError) -> CallEnvelope {
        let base = payload.startIndex
        return try WireReader.reading(payload) { (reader) throws(WireError) in
            let recipient = try readRecipient(from: &reader, memo: &memo)
            let budget = try reader.readVarint()
            let target = try readTarget(from: &reader, memo: &memo)
            let substitutions = try readSubstitutions(from: &reader)
            let arguments = try readArguments(from: &reader, of: payload, base: base)
            try reader.expectEnd()
            return CallEnvelope(
                recipient: recipient, deadlineBudgetMicroseconds: budget, target: target,
                genericSubstitutions: substitutions, argumentSlices: arguments)
        }
    }

    private static func readRecipient(
        from reader: inout WireReader, memo: inout CallEnvelopeMemo
    ) throws(WireError) -> ActorID {
        let start = reader.offset
        if let (known, length) = memo.recipient(in: reader.bytes, at: start) {
            _ = try reader.readRange(count: length)
            return known
        }
        let recipient = try reader.readActorID()
        memo.remember(recipient: recipient, encodedAs: UnsafeRawBufferPointer(rebasing: reader.bytes[start..<reader.offset]))
        return recipient
    }

    private static func readTarget(from reader: inout WireReader, memo: inout CallEnvelopeMemo) throws(WireError) -> String {
        let start = reader.offset
        if let (known, length) = memo.target(in: reader.bytes, at: start) {
            _ = try reader.readRange(count: length)
            return known
        }
        let target = try reader.readString(maxBytes: Limits.targetIdentifierBytesMax)
        try CallEnvelopeWriter.checkTarget(target)
        memo.remember(target: target, encodedAs: UnsafeRawBufferPointer(rebasing: reader.bytes[start..<reader.offset]))
        return target
    }

    private static func readSubstitutions(from reader: inout WireReader) throws(WireError) -> [String] {
        let count = try reader.readCount(max: Limits.genericSubstitutionsMax, minimumItemBytes: 2)
        var substitutions: [String] = []
        if count > 0 { substitutions.reserveCapacity(count) }
        for _ in 0..<count {
            let name = try reader.readString(maxBytes: Limits.typeNameBytesMax)
            try CallEnvelopeWriter.checkTypeName(name)
            substitutions.append(name)
        }
        return substitutions
    }

    /// Reads the argument count (2 bytes BE) and checks each argument's length (4 bytes BE)
    /// against what is left; the arguments stay where they are, one slice of `payload` (whose
    /// first byte is at `base`) with their lengths, without copying.
    private static func readArguments(
        from reader: inout WireReader, of payload: ArraySlice<UInt8>, base: Int
    ) throws(WireError) -> ArgumentSlices {
        let count = Int(try reader.readBigEndian(UInt16.self))
        guard count <= Limits.argumentsMax else {
            throw WireError(.limitExceeded, "\(count) arguments, over the limit of \(Limits.argumentsMax)")
        }
        try reader.require(count * CallEnvelopeWriter.argumentLengthBytes)
        let start = reader.offset
        for _ in 0..<count {
            let length = Int(try reader.readBigEndian(UInt32.self))
            _ = try reader.readRange(count: length)
        }
        return ArgumentSlices(prefixedIn: payload[(base + start)..<(base + reader.offset)], count: count)
    }
}
