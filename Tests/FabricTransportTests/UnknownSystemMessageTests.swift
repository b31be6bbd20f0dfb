import FabricCore
import FabricReactor
import FabricWire
import Testing
@testable import FabricTransport

/// A system message of a kind the receiver does not know, when the skip was *not* agreed
/// (one side did not offer it): the old rule holds, a protocol error that closes the
/// connection with the reason. The agreed case is `UnknownSystemMessageTests` in the actor
/// system's tests (the connection then still serves calls).
@Suite(.serialized) struct UnknownSystemMessageTests {
    static func hello(offeringSkip: Bool) throws -> [UInt8] {
        let hello = Hello(
            versionMin: 1, versionMax: 1, cluster: "test", node: NodeId(uncheckedValid: "raw"), generation: 9, advertisedAddress: nil,
            capabilities: Capabilities(
                compression: false, checksum: false, frameBytesMax: 1 << 20, skipsUnknownSystemMessages: offeringSkip))
        var payload: [UInt8] = []
        HandshakeMessage.hello(hello).encode(into: &payload)
        return try TransportFixture.frame(kind: .handshake, payload: payload)
    }

    /// The goodbye reasons in what the server sent.
    static func goodbyes(in bytes: [UInt8]) -> [String] {
        var decoder = FrameDecoder(frameBytesMax: 1 << 20)
        bytes.withUnsafeBytes { decoder.feed($0) }
        var reasons: [String] = []
        while let frame = try? decoder.nextFrame() {
            if frame.kind == .system, case .goodbye(let reason)? = try? SystemMessage.decode(frame.payload) {
                reasons.append(reason)
            }
        }
        return reasons
    }

    @Test(arguments: [(false, true), (true, false)])
    func withoutTheAgreementAnUnknownKindClosesWithAReason(clientOffers: Bool, serverOffers: Bool) async throws {
        let fixture = try TransportFixture { $0.skipsUnknownSystemMessages = serverOffers }
        defer { fixture.shutdown() }
        let raw = try RawClient(port: fixture.port)
        raw.send(try Self.hello(offeringSkip: clientOffers))
        raw.send(try TransportFixture.frame(kind: .system, messageID: 1, payload: [200, 1, 2, 3]))
        let (bytes, closed) = await raw.readUntilClosed(timeoutMilliseconds: 30_000)
        #expect(closed)
        guard case .welcome(let welcome)? = TransportFixture.handshakeMessages(in: bytes).first else {
            Issue.record("no welcome")
            return
        }
        #expect(!welcome.capabilities.skipsUnknownSystemMessages)
        #expect(Self.goodbyes(in: bytes).contains { $0.contains("unknown system message tag 200") })
        #expect(fixture.transport.counters.value(.protocolErrors) == 1)
        #expect(fixture.transport.counters.value(.unknownSystemMessagesSkipped) == 0)
    }
}
