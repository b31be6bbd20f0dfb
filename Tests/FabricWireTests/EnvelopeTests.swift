import FabricCore
import Testing
@testable import FabricWire

@Suite struct EnvelopeTests {
    typealias Support = WireFramesTestSupport

    static let recipient = ActorID(node: NodeId(uncheckedValid: "n2"), generation: 0, uncheckedPath: "/user/echo")

    static let calls: [CallEnvelope] = [
        CallEnvelope(recipient: recipient, deadlineBudgetMicroseconds: 5_000_000, target: "echo", arguments: [Array("hello".utf8)[...]]),
        CallEnvelope(recipient: recipient.with(generation: .max), deadlineBudgetMicroseconds: 0, target: "$s4Demo3addyS2i_SitF"),
        CallEnvelope(
            recipient: ActorID(node: Support.nodeA, generation: 12, uncheckedPath: "/system/raft/group-1"),
            deadlineBudgetMicroseconds: .max, target: String(repeating: "t", count: Limits.targetIdentifierBytesMax),
            genericSubstitutions: (0..<Limits.genericSubstitutionsMax).map { "Swift.Array<Module.Type\($0)>" },
            arguments: (0..<Limits.argumentsMax).map { index in [UInt8](repeating: UInt8(index), count: index)[...] }),
    ]

    /// Computed by an independent implementation of the layout (see `Docs/WireProtocol.md`).
    static let goldenCall = Support.bytes(
        hex: "02 6e32 0000000000000000 0a 2f757365722f6563686f c096b102 04 6563686f 00 0001 00000005 68656c6c6f")

    static func encode(_ envelope: CallEnvelope) throws(WireError) -> [UInt8] {
        var buffer: [UInt8] = []
        try envelope.encode(into: &buffer)
        return buffer
    }

    @Test(arguments: calls)
    func callRoundTrips(_ envelope: CallEnvelope) throws {
        #expect(try CallEnvelope.decode(Self.encode(envelope)[...]) == envelope)
    }

    @Test func callMatchesGoldenBytes() throws {
        #expect(Support.hex(try Self.encode(Self.calls[0])) == Support.hex(Self.goldenCall))
    }

    @Test func decodedArgumentsShareThePayload() throws {
        // A payload that is a slice in the middle of a larger buffer, as a frame's can be.
        let framed = [0xAA, 0xBB] + Self.goldenCall + [0xCC]
        let payload = framed[2..<(framed.count - 1)]
        let envelope = try CallEnvelope.decode(payload)
        let argument = try #require(envelope.arguments.first)
        #expect(Array(argument) == Array("hello".utf8))
        #expect(argument.startIndex == framed.count - 6)
        #expect(argument.withUnsafeBytes { $0.baseAddress } == framed.withUnsafeBytes { $0.baseAddress! + framed.count - 6 })
    }

    @Test func writerEncodesArgumentsInPlace() throws {
        var buffer: [UInt8] = [0x99]
        var writer = try CallEnvelopeWriter(
            recipient: Self.recipient, deadlineBudgetMicroseconds: 5_000_000, target: "echo",
            genericSubstitutions: [], into: &buffer)
        writer.beginArgument(&buffer)
        buffer.append(contentsOf: "hello".utf8)
        try writer.endArgument(&buffer)
        try writer.finish(&buffer)
        #expect(Array(buffer.dropFirst()) == Self.goldenCall)
    }

    @Test func writerRejectsWhatTheReceiverWould() throws {
        var buffer: [UInt8] = []
        let longTarget = String(repeating: "x", count: Limits.targetIdentifierBytesMax + 1)
        let tooManySubstitutions = [String](repeating: "T", count: Limits.genericSubstitutionsMax + 1)
        let longType = String(repeating: "T", count: Limits.typeNameBytesMax + 1)
        let cases: [(String, [String], WireError.Code)] = [
            (longTarget, [], .limitExceeded), ("", [], .malformed), ("t", tooManySubstitutions, .limitExceeded),
            ("t", [longType], .limitExceeded), ("t", [""], .malformed),
        ]
        for (target, substitutions, code) in cases {
            let error = #expect(throws: WireError.self) {
                _ = try CallEnvelopeWriter(
                    recipient: Self.recipient, deadlineBudgetMicroseconds: 0, target: target,
                    genericSubstitutions: substitutions, into: &buffer)
            }
            #expect(error?.code == code)
            #expect(buffer.isEmpty)
        }
        var writer = try CallEnvelopeWriter(
            recipient: Self.recipient, deadlineBudgetMicroseconds: 0, target: "t", genericSubstitutions: [], into: &buffer)
        for _ in 0..<Limits.argumentsMax {
            writer.beginArgument(&buffer)
            try writer.endArgument(&buffer)
        }
        writer.beginArgument(&buffer)
        let error = #expect(throws: WireError.self) { try writer.endArgument(&buffer) }
        #expect(error?.code == .limitExceeded)
    }

    @Test func callDecodingEnforcesLimits() throws {
        var tooManyArguments = Array(Self.goldenCall.dropLast(11))
        WireWriter.appendBigEndian(UInt16(Limits.argumentsMax + 1), to: &tooManyArguments)
        tooManyArguments += [UInt8](repeating: 0, count: 4 * (Limits.argumentsMax + 1))
        let arguments = #expect(throws: WireError.self) { try CallEnvelope.decode(tooManyArguments[...]) }
        #expect(arguments?.code == .limitExceeded)
        var hugeArgument = Array(Self.goldenCall.dropLast(9))
        WireWriter.appendBigEndian(UInt32.max, to: &hugeArgument)
        let truncated = #expect(throws: WireError.self) { try CallEnvelope.decode(hugeArgument[...]) }
        #expect(truncated?.code == .truncated)
        let trailing = #expect(throws: WireError.self) { try CallEnvelope.decode((Self.goldenCall + [0])[...]) }
        #expect(trailing?.code == .trailingBytes)
    }

    static let replies: [ReplyEnvelope] = [
        .value([1, 2, 3][...]), .value([][...]), .void,
        .failure(ReplyFailure(code: .rejected, message: "back-pressure")),
        .failure(
            ReplyFailure(
                code: .remoteError, errorType: "Demo.EchoError", message: "no echo",
                encodedError: [9, 8, 7][...])),
        .failure(ReplyFailure(code: .cancelled, errorType: nil, message: "", encodedError: [][...])),
    ]

    @Test(arguments: replies)
    func replyRoundTrips(_ reply: ReplyEnvelope) throws {
        var buffer: [UInt8] = []
        reply.encode(into: &buffer)
        #expect(try ReplyEnvelope.decode(buffer[...]) == reply)
    }

    @Test func valueReplyCanBeWrittenInPlace() throws {
        var buffer: [UInt8] = []
        ReplyEnvelope.beginValue(in: &buffer)
        buffer.append(contentsOf: "hello".utf8)
        #expect(buffer == [1] + Array("hello".utf8))
        #expect(try ReplyEnvelope.decode(buffer[...]) == .value(Array("hello".utf8)[...]))
    }

    @Test func replyDecodingRejectsUnknownTagsCodesAndBits() {
        let cases: [[UInt8]] = [[], [0], [9], [2, 0], [3, 0, 0, 0], [3, 12, 0, 0], [3, 1, 4, 0], [3, 1, 0]]
        for bytes in cases {
            #expect(throws: WireError.self, "\(bytes)") { try ReplyEnvelope.decode(bytes[...]) }
        }
        let unknownCode = #expect(throws: WireError.self) { try ReplyEnvelope.decode([3, 200, 0, 0][...]) }
        #expect(unknownCode?.code == .malformed)
    }

    @Test func failureTextIsCutToItsLimits() throws {
        let failure = ReplyFailure(
            code: .remoteError, errorType: String(repeating: "T", count: Limits.typeNameBytesMax + 5),
            message: String(repeating: "m", count: Limits.errorMessageBytesMax + 5))
        var buffer: [UInt8] = []
        ReplyEnvelope.failure(failure).encode(into: &buffer)
        guard case .failure(let decoded) = try ReplyEnvelope.decode(buffer[...]) else {
            Issue.record("not a failure")
            return
        }
        #expect(decoded.errorType?.utf8.count == Limits.typeNameBytesMax)
        #expect(decoded.message.utf8.count == Limits.errorMessageBytesMax)
    }

    static let systemMessages: [SystemMessage] = [
        .ping(0), .pong(.max), .peers([]), .peers((0..<20).map(Support.peer)), .goodbye(reason: "draining"),
        .goodbye(reason: ""),
    ]

    @Test(arguments: systemMessages)
    func systemMessageRoundTrips(_ message: SystemMessage) throws {
        var buffer: [UInt8] = []
        message.encode(into: &buffer)
        #expect(try SystemMessage.decode(buffer[...]) == message)
        #expect(try buffer.withUnsafeBytes { (raw) throws(WireError) in try SystemMessage.decode(raw) } == message)
    }

    @Test func systemPeersAreCutToTheLimitAndCheckedOnRead() throws {
        var buffer: [UInt8] = []
        SystemMessage.peers((0..<(Limits.peersPerMessageMax + 3)).map(Support.peer)).encode(into: &buffer)
        guard case .peers(let peers) = try SystemMessage.decode(buffer[...]) else {
            Issue.record("not peers")
            return
        }
        #expect(peers.count == Limits.peersPerMessageMax)
        var hostile: [UInt8] = [3]
        WireWriter.appendVarint(UInt64(Limits.peersPerMessageMax + 1), to: &hostile)
        let error = #expect(throws: WireError.self) { try SystemMessage.decode(hostile[...]) }
        #expect(error?.code == .limitExceeded)
    }
}
