import FabricCore

/// Why a call failed on the remote side, as carried back in a reply.
package struct ReplyFailure: Hashable, Sendable {
    /// What kind of failure (`FabricError.Code`, one byte on the wire).
    package var code: FabricError.Code
    /// For a thrown error, its type's name (cut to `Limits.typeNameBytesMax` bytes when sent).
    package var errorType: String?
    /// The explanation for people (cut to `Limits.errorMessageBytesMax` bytes when sent).
    package var message: String
    /// The thrown error encoded by the binary coder, when its type is `Codable`, so the caller
    /// can rethrow the same error.
    package var encodedError: ArraySlice<UInt8>?

    /// A failure from its parts; texts over their limits are cut when encoded.
    package init(
        code: FabricError.Code, errorType: String? = nil, message: String,
        encodedError: ArraySlice<UInt8>? = nil
    ) {
        self.code = code
        self.errorType = errorType
        self.message = message
        self.encodedError = encodedError
    }

    /// Bit of the presence byte saying an error type follows.
    static let hasErrorTypeBit: UInt8 = 1 << 0
    /// Bit of the presence byte saying an encoded error follows.
    static let hasEncodedErrorBit: UInt8 = 1 << 1

    /// Appends code, presence byte, error type, message and encoded error.
    func encode(into buffer: inout [UInt8]) {
        WireWriter.appendUInt8(code.wireValue, to: &buffer)
        var presence: UInt8 = 0
        if errorType != nil { presence |= Self.hasErrorTypeBit }
        if encodedError != nil { presence |= Self.hasEncodedErrorBit }
        WireWriter.appendUInt8(presence, to: &buffer)
        if let errorType {
            WireWriter.appendString(
                WireWriter.truncated(errorType, maxBytes: Limits.typeNameBytesMax), to: &buffer)
        }
        WireWriter.appendString(
            WireWriter.truncated(message, maxBytes: Limits.errorMessageBytesMax), to: &buffer)
        if let encodedError { WireWriter.appendBytes(encodedError, to: &buffer) }
    }

    /// Reads a failure; an unknown code or presence bit is `malformed`. The encoded error is
    /// sliced out of `payload` (which `reader` reads) without copying.
    static func decode(
        from reader: inout WireReader, payload: ArraySlice<UInt8>
    ) throws(WireError) -> ReplyFailure {
        let rawCode = try reader.readUInt8()
        guard let code = FabricError.Code(wireValue: rawCode) else {
            throw WireError(.malformed, "unknown error code \(rawCode)")
        }
        let presence = try reader.readUInt8()
        guard presence & ~(hasErrorTypeBit | hasEncodedErrorBit) == 0 else {
            throw WireError(.malformed, "unknown presence bits in \(presence)")
        }
        let errorType =
            presence & hasErrorTypeBit != 0 ? try reader.readString(maxBytes: Limits.typeNameBytesMax) : nil
        let message = try reader.readString(maxBytes: Limits.errorMessageBytesMax)
        var encodedError: ArraySlice<UInt8>?
        if presence & hasEncodedErrorBit != 0 {
            let range = try reader.readBytesRange(maxBytes: Int.max)
            let base = payload.startIndex
            encodedError = payload[(base + range.lowerBound)..<(base + range.upperBound)]
        }
        return ReplyFailure(code: code, errorType: errorType, message: message, encodedError: encodedError)
    }
}
