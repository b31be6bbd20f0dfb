/// Reading handshake payloads from untrusted bytes.
extension HandshakeMessage {
    /// Decodes a handshake frame's payload: `badMagic` if it does not start with `FBRC`,
    /// `malformed` for an unknown type or invalid field, `limitExceeded` for a list or string
    /// over its limit, `truncated` when it ends early, `trailingBytes` after a welcome or
    /// refusal (a hello may be followed by fields of later versions).
    package static func decode(_ payload: UnsafeRawBufferPointer) throws(WireError) -> HandshakeMessage {
        var reader = WireReader(payload)
        return try decode(from: &reader)
    }

    /// Decodes a handshake frame's payload; see `decode(_:)` for an unsafe buffer.
    package static func decode(_ payload: ArraySlice<UInt8>) throws(WireError) -> HandshakeMessage {
        try WireReader.reading(payload) { (reader) throws(WireError) in try decode(from: &reader) }
    }

    private static func decode(from reader: inout WireReader) throws(WireError) -> HandshakeMessage {
        try readMagic(from: &reader)
        let rawType = try reader.readUInt8()
        guard let type = MessageType(rawValue: rawType) else {
            throw WireError(.malformed, "unknown handshake message type \(rawType)")
        }
        switch type {
        case .hello:
            return .hello(try Hello.decode(from: &reader))
        case .welcome:
            let welcome = try Welcome.decode(from: &reader)
            try reader.expectEnd()
            return .welcome(welcome)
        case .refusal:
            let refusal = try Refusal.decode(from: &reader)
            try reader.expectEnd()
            return .refusal(refusal)
        }
    }

    /// Checks the magic byte by byte, so that a short payload of the wrong bytes is `badMagic`
    /// and a short prefix of the right ones is `truncated`.
    private static func readMagic(from reader: inout WireReader) throws(WireError) {
        for expected in magic {
            guard try reader.readUInt8() == expected else {
                throw WireError(.badMagic, "the peer is not speaking Fabric's protocol")
            }
        }
    }
}
