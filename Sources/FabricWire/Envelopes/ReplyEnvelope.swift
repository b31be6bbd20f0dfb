/// The payload of a reply frame (message id = the call's id): a tag byte, then the value's
/// bytes, nothing, or a failure.
package enum ReplyEnvelope: Hashable, Sendable {
    /// The encoded return value: every byte after the tag, so no length prefix is needed.
    case value(ArraySlice<UInt8>)
    /// The method returned `Void`.
    case void
    /// The call failed.
    case failure(ReplyFailure)

    /// The tag byte; 0 is not a tag, so a zeroed payload is never a valid reply.
    enum Tag: UInt8 {
        case value = 1
        case void = 2
        case failure = 3
    }

    /// Appends the envelope to `buffer`.
    package func encode(into buffer: inout [UInt8]) {
        switch self {
        case .value(let bytes):
            Self.beginValue(in: &buffer)
            buffer.append(contentsOf: bytes)
        case .void:
            WireWriter.appendUInt8(Tag.void.rawValue, to: &buffer)
        case .failure(let failure):
            WireWriter.appendUInt8(Tag.failure.rawValue, to: &buffer)
            failure.encode(into: &buffer)
        }
    }

    /// Hot path for a value reply: appends the tag; the caller then encodes the return value
    /// into `buffer` directly, and nothing after it.
    package static func beginValue(in buffer: inout [UInt8]) {
        WireWriter.appendUInt8(Tag.value.rawValue, to: &buffer)
    }

    /// Decodes a reply payload; the value and encoded error share `payload`'s storage.
    package static func decode(_ payload: ArraySlice<UInt8>) throws(WireError) -> ReplyEnvelope {
        try WireReader.reading(payload) { (reader) throws(WireError) in
            let rawTag = try reader.readUInt8()
            switch Tag(rawValue: rawTag) {
            case .value:
                return .value(payload[(payload.startIndex + reader.offset)...])
            case .void:
                try reader.expectEnd()
                return .void
            case .failure:
                let failure = try ReplyFailure.decode(from: &reader, payload: payload)
                try reader.expectEnd()
                return .failure(failure)
            case nil:
                throw WireError(.malformed, "unknown reply tag \(rawTag)")
            }
        }
    }
}
