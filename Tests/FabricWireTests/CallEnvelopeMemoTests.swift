import FabricCore
import Testing
@testable import FabricWire

/// The per-connection memo must never change what a payload decodes to, or what it is refused
/// for: it only saves rebuilding a recipient or target seen in the previous envelope.
@Suite struct CallEnvelopeMemoTests {
    static let recipients = [
        ActorID(node: NodeId(uncheckedValid: "n1"), generation: 0, uncheckedPath: "/user/echo"),
        ActorID(node: NodeId(uncheckedValid: "n1"), generation: 7, uncheckedPath: "/user/echo"),
        ActorID(node: NodeId(uncheckedValid: "n1"), generation: 0, uncheckedPath: "/user/echoes"),
        ActorID(node: NodeId(uncheckedValid: "n10"), generation: 0, uncheckedPath: "/user/echo"),
    ]
    static let targets = ["$s4Demo4EchoC4echoyS2SYaKFTE", "$s4Demo4EchoC4echoyS2SYaKFTF", "x"]

    static func payload(_ envelope: CallEnvelope) throws -> [UInt8] {
        var buffer: [UInt8] = []
        try envelope.encode(into: &buffer)
        return buffer
    }

    @Test func decodingWithAMemoEqualsDecodingWithout() throws {
        var random = SeededRandom(seed: 0x5EED_3E30)
        var memo = CallEnvelopeMemo()
        for round in 0..<2_000 {
            let envelope = CallEnvelope(
                recipient: Self.recipients[Int(random.next() % UInt64(Self.recipients.count))],
                deadlineBudgetMicroseconds: random.next() % 1000,
                target: Self.targets[Int(random.next() % UInt64(Self.targets.count))],
                arguments: [[UInt8](repeating: UInt8(round % 256), count: Int(random.next() % 5))[...]])
            let bytes = try Self.payload(envelope)
            let remembered = try CallEnvelope.decode(bytes[...], memo: &memo)
            #expect(remembered == envelope, "round \(round)")
            #expect(remembered == (try CallEnvelope.decode(bytes[...])), "round \(round)")
        }
    }

    @Test func aRememberedPrefixDoesNotHideBrokenBytesAfterIt() throws {
        var memo = CallEnvelopeMemo()
        let envelope = CallEnvelope(recipient: Self.recipients[0], deadlineBudgetMicroseconds: 1, target: Self.targets[0])
        let bytes = try Self.payload(envelope)
        _ = try CallEnvelope.decode(bytes[...], memo: &memo)
        // Same recipient and target bytes, then cut short, or with bytes left over.
        for cut in 1..<bytes.count {
            #expect(throws: WireError.self) { try CallEnvelope.decode(bytes[..<cut], memo: &memo) }
        }
        #expect(throws: WireError.self) { try CallEnvelope.decode((bytes + [0])[...], memo: &memo) }
    }

    @Test func anInvalidRecipientIsRefusedAfterAValidOneWasRemembered() throws {
        var memo = CallEnvelopeMemo()
        let envelope = CallEnvelope(recipient: Self.recipients[0], deadlineBudgetMicroseconds: 1, target: Self.targets[0])
        var bytes = try Self.payload(envelope)
        _ = try CallEnvelope.decode(bytes[...], memo: &memo)
        // "/user/echo" → "/user echo": same length, so only validation can catch it.
        let slash = try #require(bytes.lastIndex(of: UInt8(ascii: "/")))
        bytes[slash] = UInt8(ascii: " ")
        #expect(throws: WireError.self) { try CallEnvelope.decode(bytes[...], memo: &memo) }
        #expect(throws: WireError.self) { try CallEnvelope.decode(bytes[...]) }
    }

    @Test func preEncodedArgumentsMatchArgumentsWrittenInPlace() throws {
        var arguments = CallArguments()
        try arguments.append { $0.append(contentsOf: [1, 2, 3]) }
        try arguments.append { _ in }
        struct Refused: Error {}
        #expect(throws: Refused.self) { try arguments.append { $0.append(9); throw Refused() } }
        // As the sender builds a payload: the header appended after the arguments, then sent first.
        let count = arguments.count
        var payload = arguments.takeBytes()
        let wireStart = payload.count
        var writer = try CallEnvelopeWriter(
            recipient: Self.recipients[0], deadlineBudgetMicroseconds: 5, target: "t", genericSubstitutions: [], into: &payload)
        try writer.recordArguments(count: count)
        try writer.finish(&payload)
        let inWireOrder = Array(payload[wireStart...]) + payload[..<wireStart]
        let direct = try Self.payload(
            CallEnvelope(recipient: Self.recipients[0], deadlineBudgetMicroseconds: 5, target: "t", arguments: [[1, 2, 3][...], [][...]]))
        #expect(inWireOrder == direct)
        #expect(arguments.count == 0 && arguments.bytes.isEmpty)
    }

    @Test func preEncodedArgumentsStopAtTheLimit() throws {
        var arguments = CallArguments()
        for _ in 0..<Limits.argumentsMax { try arguments.append { $0.append(0) } }
        #expect(throws: WireError.self) { try arguments.append { $0.append(0) } }
        #expect(arguments.count == Limits.argumentsMax)
    }
}
