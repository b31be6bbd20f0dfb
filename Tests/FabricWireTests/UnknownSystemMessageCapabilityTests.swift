import FabricCore
import Testing
@testable import FabricWire

/// The "skips unknown system messages" capability (id 5, bit 0) and the tag rule it enables.
@Suite struct UnknownSystemMessageCapabilityTests {
    typealias Support = WireFramesTestSupport

    static func capabilities(skips: Bool) -> Capabilities {
        Capabilities(compression: true, checksum: true, frameBytesMax: 16 << 20, skipsUnknownSystemMessages: skips)
    }

    /// The golden hello of `HandshakeMessageTests` with the capability offered: one more
    /// (id, value) pair `05 01` after encryption, and the count 5. Written by hand from the
    /// layout in Docs/WireProtocol.md, not by the encoder; the hello without the capability is
    /// byte for byte the old golden (the pair is only written when set).
    static let goldenHello = Support.bytes(
        hex: "46425243 01 0001 0001 04 64656d6f 02 6e31 1122334455667788 01 09 3132372e302e302e31 1b59"
            + " 05 0101 0201 03 80808008 0400 0501 00")

    static func goldenHelloValue(skips: Bool) -> Hello {
        Hello(
            cluster: "demo", node: NodeId(uncheckedValid: "n1"), generation: 0x1122_3344_5566_7788,
            advertisedAddress: NodeAddress(uncheckedHost: "127.0.0.1", port: 7001), capabilities: capabilities(skips: skips))
    }

    @Test func helloOfferingTheCapabilityMatchesGoldenBytes() throws {
        let hello = Self.goldenHelloValue(skips: true)
        var bytes: [UInt8] = []
        HandshakeMessage.hello(hello).encode(into: &bytes)
        #expect(Support.hex(bytes) == Support.hex(Self.goldenHello))
        #expect(try HandshakeMessage.decode(Self.goldenHello[...]) == .hello(hello))
        var without: [UInt8] = []
        HandshakeMessage.hello(Self.goldenHelloValue(skips: false)).encode(into: &without)
        #expect(Support.hex(without) == Support.hex(HandshakeMessageTests.goldenHello))
    }

    @Test(arguments: [(false, false), (false, true), (true, false), (true, true)])
    func agreedOnlyWhenBothOffer(dialer: Bool, acceptor: Bool) throws {
        let hello = Support.hello(capabilities: Self.capabilities(skips: dialer))
        let answer = HandshakeNegotiationTests.answer(hello, capabilities: Self.capabilities(skips: acceptor))
        #expect(answer.1?.skipsUnknownSystemMessages == (dialer && acceptor))
        let welcome = try #require(HandshakeNegotiationTests.welcome(answer))
        #expect(welcome.capabilities.skipsUnknownSystemMessages == (dialer && acceptor))
        #expect(try HandshakeNegotiation.agreement(from: welcome, offered: hello) == answer.1)
    }

    @Test func aWelcomeAgreeingToWhatWasNotOfferedIsMalformed() throws {
        let hello = Support.hello(capabilities: Self.capabilities(skips: false))
        var welcome = try #require(HandshakeNegotiationTests.welcome(
            HandshakeNegotiationTests.answer(hello, capabilities: Self.capabilities(skips: false))))
        welcome.capabilities.skipsUnknownSystemMessages = true
        let error = #expect(throws: WireError.self) { try HandshakeNegotiation.agreement(from: welcome, offered: hello) }
        #expect(error?.code == .malformed)
    }

    /// Unknown bits of the value are ignored, like every capability's.
    @Test func onlyBitZeroCounts() throws {
        let parsed = try HandshakeMessageTests.capabilities([(3, 70000), (5, 0b10)])
        #expect(!parsed.skipsUnknownSystemMessages)
        #expect(try HandshakeMessageTests.capabilities([(3, 70000), (5, 0b11)]).skipsUnknownSystemMessages)
    }

    /// Tags 5...255 are unknown to this version; 0 is never a tag; an empty payload has none.
    @Test func unknownTagsAreRecognisedWithoutDecoding() {
        #expect(SystemMessage.unknownTag(in: [5][...]) == 5)
        #expect(SystemMessage.unknownTag(in: [255, 1, 2, 3][...]) == 255)
        for known: UInt8 in 1...4 { #expect(SystemMessage.unknownTag(in: [known][...]) == nil) }
        #expect(SystemMessage.unknownTag(in: [0][...]) == nil)
        #expect(SystemMessage.unknownTag(in: [][...]) == nil)
        let error = #expect(throws: WireError.self) { try SystemMessage.decode([200, 1][...]) }
        #expect(error?.code == .malformed)
    }
}
