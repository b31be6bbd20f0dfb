import FabricCore

/// Writes a `CallEnvelope` straight into a frame buffer, one argument at a time, so that the
/// binary coder encodes each argument in place: no array per argument, no copy of the envelope.
///
/// ```swift
/// let mark = encoder.beginFrame(in: &buffer)
/// var writer = try CallEnvelopeWriter(recipient: id, deadlineBudgetMicroseconds: budget,
///                                     target: target, genericSubstitutions: [], into: &buffer)
/// writer.beginArgument(&buffer); /* encode the argument into buffer */ try writer.endArgument(&buffer)
/// try writer.finish(&buffer)
/// try encoder.endFrame(mark, kind: .call, priority: 1, messageID: callID, in: &buffer)
/// ```
///
/// Each argument's 4-byte length and the 2-byte argument count are reserved and backpatched,
/// which is why they are fixed-width rather than varints.
package struct CallEnvelopeWriter {
    /// Bytes of each argument's length prefix.
    static let argumentLengthBytes = 4

    /// Where the argument count goes.
    private let argumentCountOffset: Int
    private var argumentCount = 0
    /// Where the length of the argument being written goes, while one is open.
    private var openArgumentOffset: Int?

    /// Appends the envelope's header (recipient, budget, target, substitutions) and reserves the
    /// argument count. `limitExceeded` or `malformed` (with nothing appended) for an empty or
    /// over-long target or type name, or too many substitutions.
    package init(
        recipient: ActorID, deadlineBudgetMicroseconds: UInt64, target: String,
        genericSubstitutions: [String], into buffer: inout [UInt8]
    ) throws(WireError) {
        try Self.checkTarget(target)
        guard genericSubstitutions.count <= Limits.genericSubstitutionsMax else {
            throw WireError(
                .limitExceeded,
                "\(genericSubstitutions.count) generic substitutions, over the limit of \(Limits.genericSubstitutionsMax)")
        }
        for name in genericSubstitutions { try Self.checkTypeName(name) }
        (argumentCountOffset, _, _) = Self.writeHeader(
            recipient: recipient, deadlineBudgetMicroseconds: deadlineBudgetMicroseconds, target: target,
            genericSubstitutions: genericSubstitutions, into: &buffer)
    }

    /// The same header with no generic substitutions, its recipient and target bytes copied from
    /// `memo` when they are the last call's, and remembered there otherwise.
    package init(
        recipient: ActorID, deadlineBudgetMicroseconds: UInt64, target: String, memo: inout CallHeaderMemo,
        into buffer: inout [UInt8]
    ) throws(WireError) {
        if let known = memo.bytes(recipient: recipient, target: target) {
            buffer.append(contentsOf: known.recipient)
            WireWriter.appendVarint(deadlineBudgetMicroseconds, to: &buffer)
            buffer.append(contentsOf: known.target)
            argumentCountOffset = buffer.count
            WireWriter.appendBigEndian(UInt16(0), to: &buffer)
            return
        }
        try Self.checkTarget(target)
        let start = buffer.count
        let (countOffset, recipientEnd, targetStart) = Self.writeHeader(
            recipient: recipient, deadlineBudgetMicroseconds: deadlineBudgetMicroseconds, target: target,
            genericSubstitutions: [], into: &buffer)
        argumentCountOffset = countOffset
        memo.remember(
            recipient: recipient, target: target, recipientBytes: buffer[start..<recipientEnd],
            targetBytes: buffer[targetStart..<countOffset])
    }

    /// Writes a checked header; returns where the argument count goes, where the recipient ends
    /// and where the target starts.
    private static func writeHeader(
        recipient: ActorID, deadlineBudgetMicroseconds: UInt64, target: String, genericSubstitutions: [String],
        into buffer: inout [UInt8]
    ) -> (argumentCountOffset: Int, recipientEnd: Int, targetStart: Int) {
        WireWriter.appendActorID(recipient, to: &buffer)
        let recipientEnd = buffer.count
        WireWriter.appendVarint(deadlineBudgetMicroseconds, to: &buffer)
        let targetStart = buffer.count
        WireWriter.appendString(target, to: &buffer)
        WireWriter.appendVarint(UInt64(genericSubstitutions.count), to: &buffer)
        for name in genericSubstitutions { WireWriter.appendString(name, to: &buffer) }
        let argumentCountOffset = buffer.count
        WireWriter.appendBigEndian(UInt16(0), to: &buffer)
        return (argumentCountOffset, recipientEnd, targetStart)
    }

    /// Reserves the next argument's length; append the encoded argument after this call.
    package mutating func beginArgument(_ buffer: inout [UInt8]) {
        precondition(openArgumentOffset == nil, "beginArgument with argument \(argumentCount) still open")
        openArgumentOffset = WireWriter.reserveUInt32(in: &buffer)
    }

    /// Closes the argument begun last: everything appended since is its bytes. `limitExceeded`
    /// past `Limits.argumentsMax` arguments or 4 GiB in one argument.
    package mutating func endArgument(_ buffer: inout [UInt8]) throws(WireError) {
        guard let lengthOffset = openArgumentOffset else {
            preconditionFailure("endArgument without beginArgument after \(argumentCount) arguments")
        }
        openArgumentOffset = nil
        let length = buffer.count - lengthOffset - Self.argumentLengthBytes
        precondition(length >= 0, "buffer shrank below argument \(argumentCount)'s start")
        guard argumentCount < Limits.argumentsMax else {
            throw WireError(.limitExceeded, "more than \(Limits.argumentsMax) arguments")
        }
        guard let encodedLength = UInt32(exactly: length) else {
            throw WireError(.limitExceeded, "argument of \(length) bytes")
        }
        WireWriter.storeBigEndian(encodedLength, at: lengthOffset, in: &buffer)
        argumentCount += 1
    }

    /// Counts `count` arguments that are not in this buffer: a payload whose arguments were
    /// encoded before its header, and go on the wire after it (`OutboundMessage.wireStart`).
    package mutating func recordArguments(count: Int) throws(WireError) {
        precondition(openArgumentOffset == nil, "recordArguments with argument \(argumentCount) still open")
        guard count >= 0, argumentCount + count <= Limits.argumentsMax else {
            throw WireError(.limitExceeded, "more than \(Limits.argumentsMax) arguments")
        }
        argumentCount += count
    }

    /// Backpatches the argument count; the envelope ends here.
    package func finish(_ buffer: inout [UInt8]) throws(WireError) {
        precondition(openArgumentOffset == nil, "finish with argument \(argumentCount) still open")
        guard argumentCount <= Limits.argumentsMax else {
            throw WireError(.limitExceeded, "\(argumentCount) arguments, over the limit of \(Limits.argumentsMax)")
        }
        WireWriter.storeBigEndian(UInt16(argumentCount), at: argumentCountOffset, in: &buffer)
    }

    /// A target is 1 to `Limits.targetIdentifierBytesMax` bytes.
    static func checkTarget(_ target: String) throws(WireError) {
        try checkLength(of: target, naming: "call target", maxBytes: Limits.targetIdentifierBytesMax)
    }

    /// A type name is 1 to `Limits.typeNameBytesMax` bytes.
    static func checkTypeName(_ name: String) throws(WireError) {
        try checkLength(of: name, naming: "type name", maxBytes: Limits.typeNameBytesMax)
    }

    private static func checkLength(of text: String, naming what: String, maxBytes: Int) throws(WireError) {
        let count = text.utf8.count
        guard count > 0 else { throw WireError(.malformed, "empty \(what)") }
        guard count <= maxBytes else {
            throw WireError(.limitExceeded, "\(what) of \(count) bytes, over the limit of \(maxBytes)")
        }
    }
}
