import Testing
@testable import FabricWire

/// Every proper prefix of every message fails with a `WireError`. (A value reply is the
/// exception by design: its value is "the rest of the payload", whose end the frame's length
/// and checksum already pin; its empty prefix still fails.)
@Suite struct WireTruncationTests {
    static func expectEveryPrefixFails(
        _ bytes: [UInt8], _ name: String, _ decode: (ArraySlice<UInt8>) throws(WireError) -> Void
    ) {
        for count in 0..<bytes.count {
            #expect(throws: WireError.self, "\(name) cut to \(count) of \(bytes.count) bytes") {
                try decode(bytes.prefix(count))
            }
        }
    }

    @Test(arguments: HandshakeMessageTests.samples)
    func handshakeMessages(_ message: HandshakeMessage) {
        var bytes: [UInt8] = []
        message.encode(into: &bytes)
        Self.expectEveryPrefixFails(bytes, "\(message)") { (prefix) throws(WireError) in
            _ = try HandshakeMessage.decode(prefix)
        }
    }

    @Test(arguments: EnvelopeTests.calls)
    func callEnvelopes(_ envelope: CallEnvelope) throws {
        let bytes = try EnvelopeTests.encode(envelope)
        Self.expectEveryPrefixFails(bytes, "call to \(envelope.recipient)") { (prefix) throws(WireError) in
            _ = try CallEnvelope.decode(prefix)
        }
    }

    @Test(arguments: EnvelopeTests.replies)
    func replyEnvelopes(_ reply: ReplyEnvelope) {
        var bytes: [UInt8] = []
        reply.encode(into: &bytes)
        if case .value = reply {
            #expect(throws: WireError.self) { try ReplyEnvelope.decode([][...]) }
            return
        }
        Self.expectEveryPrefixFails(bytes, "\(reply)") { (prefix) throws(WireError) in
            _ = try ReplyEnvelope.decode(prefix)
        }
    }

    @Test(arguments: EnvelopeTests.systemMessages)
    func systemMessages(_ message: SystemMessage) {
        var bytes: [UInt8] = []
        message.encode(into: &bytes)
        Self.expectEveryPrefixFails(bytes, "\(message)") { (prefix) throws(WireError) in
            _ = try SystemMessage.decode(prefix)
        }
    }

    @Test func framesWaitRatherThanFail() throws {
        let bytes = WireFramesTestSupport.bytes(hex: "00000017 00d4 0000000000000007 0100000000deadbeef 3129645d")
        for count in 0..<bytes.count {
            var decoder = WireFramesTestSupport.decoder()
            bytes.prefix(count).withUnsafeBytes { decoder.feed($0) }
            #expect(try decoder.nextFrame() == nil)
            #expect(decoder.bufferedBytes == count)
        }
    }
}
