import FabricCore
import Testing
@testable import FabricWire

@Suite struct HandshakeMessageTests {
    typealias Support = WireFramesTestSupport

    static func encode(_ message: HandshakeMessage) -> [UInt8] {
        var buffer: [UInt8] = []
        message.encode(into: &buffer)
        return buffer
    }

    static func decode(_ bytes: [UInt8]) throws(WireError) -> HandshakeMessage {
        try HandshakeMessage.decode(bytes[...])
    }

    static let samples: [HandshakeMessage] = [
        .hello(Support.hello()),
        .hello(Support.hello(versions: 1...7, peers: (0..<Limits.handshakeListCountMax).map(Support.peer))),
        .hello(
            Hello(
                cluster: "c", node: Support.nodeB, generation: 0, advertisedAddress: nil,
                capabilities: Capabilities(compression: false, checksum: false, frameBytesMax: 0))),
        .welcome(
            Welcome(
                version: 1, node: Support.nodeB, generation: .max,
                advertisedAddress: NodeAddress(uncheckedHost: "::1", port: 65535), capabilities: Support.capabilities,
                peers: [Support.peer(1), Support.peer(2)])),
        .welcome(
            Welcome(
                version: 3, node: Support.nodeB, generation: 1, advertisedAddress: nil,
                capabilities: Capabilities(compression: false, checksum: true, frameBytesMax: 65536, encryption: true))),
        .refusal(Refusal(reason: .clusterMismatch, message: "cluster mismatch: “a” vs “b”")),
        .refusal(Refusal(reason: .shuttingDown, message: "")),
    ]

    /// Computed by an independent implementation of the layout (see `Docs/WireProtocol.md`).
    static let goldenHello = Support.bytes(
        hex: "46425243 01 0001 0001 04 64656d6f 02 6e31 1122334455667788 01 09 3132372e302e302e31 1b59"
            + " 04 0101 0201 03 80808008 0400 00")

    @Test(arguments: samples)
    func roundTrips(_ message: HandshakeMessage) throws {
        let bytes = Self.encode(message)
        #expect(try Self.decode(bytes) == message)
        #expect(try bytes.withUnsafeBytes { (raw) throws(WireError) in try HandshakeMessage.decode(raw) } == message)
    }

    @Test func helloMatchesGoldenBytes() throws {
        let hello = Hello(
            cluster: "demo", node: NodeId(uncheckedValid: "n1"), generation: 0x1122_3344_5566_7788,
            advertisedAddress: NodeAddress(uncheckedHost: "127.0.0.1", port: 7001),
            capabilities: Capabilities(compression: true, checksum: true, frameBytesMax: 16 << 20))
        #expect(Support.hex(Self.encode(.hello(hello))) == Support.hex(Self.goldenHello))
        #expect(try Self.decode(Self.goldenHello) == .hello(hello))
    }

    @Test func badMagicIsRecognisedOnTheFirstWrongByte() {
        for bytes in [Array("GET / HTTP/1.1\r\n".utf8), [0x46, 0x42, 0x52, 0x44, 1], [0x00]] {
            let error = #expect(throws: WireError.self) { try Self.decode(bytes) }
            #expect(error?.code == .badMagic)
        }
        let error = #expect(throws: WireError.self) { try Self.decode([0x46, 0x42]) }
        #expect(error?.code == .truncated)
    }

    @Test func unknownMessageTypeIsMalformed() {
        let error = #expect(throws: WireError.self) { try Self.decode(HandshakeMessage.magic + [9]) }
        #expect(error?.code == .malformed)
    }

    @Test func emptyVersionRangeIsMalformed() {
        var bytes = Self.goldenHello
        bytes[5...8] = [0, 2, 0, 1]
        let error = #expect(throws: WireError.self) { try Self.decode(bytes) }
        #expect(error?.code == .malformed)
    }

    @Test func invalidNamesAreMalformed() {
        var cluster = Self.goldenHello
        cluster[10] = UInt8(ascii: " ")
        var node = Self.goldenHello
        node[15] = UInt8(ascii: "/")
        for bytes in [cluster, node] {
            let error = #expect(throws: WireError.self) { try Self.decode(bytes) }
            #expect(error?.code == .malformed)
        }
    }

    @Test func listsOverTheLimitAreRejected() {
        // The golden hello ends with a peer count of 0: claim one more than allowed.
        var peers = Array(Self.goldenHello.dropLast())
        WireWriter.appendVarint(UInt64(Limits.handshakeListCountMax + 1), to: &peers)
        peers += [UInt8](repeating: 1, count: 5000)
        let error = #expect(throws: WireError.self) { try Self.decode(peers) }
        #expect(error?.code == .limitExceeded)
        var capabilities: [UInt8] = []
        WireWriter.appendVarint(UInt64(Limits.handshakeListCountMax + 1), to: &capabilities)
        let capabilityError = #expect(throws: WireError.self) {
            try WireReader.reading((capabilities + [UInt8](repeating: 1, count: 400))[...]) { (reader) throws(WireError) in
                try Capabilities.decode(from: &reader)
            }
        }
        #expect(capabilityError?.code == .limitExceeded)
    }

    static func capabilities(_ entries: [(UInt64, UInt64)]) throws(WireError) -> Capabilities {
        var bytes: [UInt8] = []
        WireWriter.appendVarint(UInt64(entries.count), to: &bytes)
        for (identifier, value) in entries {
            WireWriter.appendVarint(identifier, to: &bytes)
            WireWriter.appendVarint(value, to: &bytes)
        }
        return try WireReader.reading(bytes[...]) { (reader) throws(WireError) in
            let capabilities = try Capabilities.decode(from: &reader)
            try reader.expectEnd()
            return capabilities
        }
    }

    @Test func capabilitiesIgnoreUnknownIdsAndBitsButNotDuplicates() throws {
        let parsed = try Self.capabilities([(99, 12345), (1, 0b11), (3, 70000), (2, 0b10)])
        #expect(parsed == Capabilities(compression: true, checksum: false, frameBytesMax: 70000))
        #expect(throws: WireError.self) { try Self.capabilities([(1, 1), (1, 1), (3, 70000)]) }
        #expect(throws: WireError.self) { try Self.capabilities([(1, 1)]) }
        #expect(throws: WireError.self) { try Self.capabilities([(3, 1 << 32)]) }
    }

    @Test func helloMayBeFollowedByLaterFieldsButOthersMayNot() throws {
        let extended = Self.goldenHello + [0xAB, 0xCD]
        #expect(try Self.decode(extended) == Self.decode(Self.goldenHello))
        for message in Self.samples {
            guard case .hello = message else {
                let error = #expect(throws: WireError.self) { try Self.decode(Self.encode(message) + [0]) }
                #expect(error?.code == .trailingBytes)
                continue
            }
        }
    }

    @Test func encodingCutsListsAndMessagesToTheirLimits() throws {
        let many = (0..<(Limits.handshakeListCountMax + 10)).map(Support.peer)
        let message = HandshakeMessage.hello(Support.hello(peers: many))
        guard case .hello(let decoded) = try Self.decode(Self.encode(message)) else {
            Issue.record("not a hello")
            return
        }
        #expect(decoded.peers == Array(many.prefix(Limits.handshakeListCountMax)))
        let long = String(repeating: "é", count: Limits.errorMessageBytesMax)
        let refusal = try Self.decode(Self.encode(.refusal(Refusal(reason: .overloaded, message: long))))
        guard case .refusal(let cut) = refusal else {
            Issue.record("not a refusal")
            return
        }
        #expect(cut.message.utf8.count == Limits.errorMessageBytesMax)
        #expect(long.hasPrefix(cut.message))
    }

    @Test func unknownRefusalReasonIsMalformed() {
        var bytes = Self.encode(.refusal(Refusal(reason: .badHello, message: "x")))
        bytes[5] = 200
        let error = #expect(throws: WireError.self) { try Self.decode(bytes) }
        #expect(error?.code == .malformed)
    }
}
