import FabricCore
import Testing
@testable import FabricWire

@Suite struct HandshakeNegotiationTests {
    typealias Support = WireFramesTestSupport

    static let local = Capabilities(compression: true, checksum: true, frameBytesMax: 16 << 20)

    static func answer(
        _ hello: Hello, cluster: String = "demo", node: NodeId = Support.nodeB,
        capabilities: Capabilities = local, supported: ClosedRange<UInt16> = 1...1
    ) -> (HandshakeMessage, Agreement?) {
        HandshakeNegotiation.answer(
            hello, localCluster: cluster, localNode: node, localGeneration: 77,
            localAddress: NodeAddress(uncheckedHost: "10.0.0.2", port: 7002), localCapabilities: capabilities,
            supported: supported, peers: [Support.peer(3)])
    }

    static func refusal(_ answer: (HandshakeMessage, Agreement?)) -> Refusal? {
        guard case .refusal(let refusal) = answer.0, answer.1 == nil else { return nil }
        return refusal
    }

    static func welcome(_ answer: (HandshakeMessage, Agreement?)) -> Welcome? {
        guard case .welcome(let welcome) = answer.0 else { return nil }
        return welcome
    }

    @Test(arguments: [
        (1...1, 1...1, 1), (1...3, 2...5, 3), (2...5, 1...3, 3), (1...9, 4...4, 4), (3...3, 1...9, 3),
    ] as [(ClosedRange<UInt16>, ClosedRange<UInt16>, UInt16)])
    func versionIsTheHighestBothSpeak(dialer: ClosedRange<UInt16>, acceptor: ClosedRange<UInt16>, agreed: UInt16) throws {
        let hello = Support.hello(versions: dialer)
        let answer = Self.answer(hello, supported: acceptor)
        #expect(answer.1?.version == agreed)
        let welcome = try #require(Self.welcome(answer))
        #expect(welcome.version == agreed)
        #expect(try HandshakeNegotiation.agreement(from: welcome, offered: hello) == answer.1)
    }

    @Test func noCommonVersionIsRefusedWithBothRanges() throws {
        let refusal = try #require(Self.refusal(Self.answer(Support.hello(versions: 2...3), supported: 4...6)))
        #expect(refusal.reason == .versionMismatch)
        #expect(refusal.message.contains("2...3") && refusal.message.contains("4...6"))
    }

    @Test func otherClusterIsRefusedWithBothNames() throws {
        let refusal = try #require(Self.refusal(Self.answer(Support.hello(cluster: "blue"), cluster: "green")))
        #expect(refusal.reason == .clusterMismatch)
        #expect(refusal.message.contains("blue") && refusal.message.contains("green"))
    }

    @Test func ownNameIsRefused() throws {
        let refusal = try #require(Self.refusal(Self.answer(Support.hello(node: Support.nodeB))))
        #expect(refusal.reason == .sameNodeName)
        #expect(refusal.message.contains(Support.nodeB.name))
    }

    @Test(arguments: [(false, false), (false, true), (true, false), (true, true)])
    func capabilitiesAreAnded(dialer: Bool, acceptor: Bool) throws {
        let offered = Capabilities(compression: dialer, checksum: !dialer, frameBytesMax: 1 << 20)
        let local = Capabilities(compression: acceptor, checksum: !acceptor, frameBytesMax: 1 << 20)
        let hello = Support.hello(capabilities: offered)
        let answer = Self.answer(hello, capabilities: local)
        let agreement = try #require(answer.1)
        #expect(agreement.compression == (dialer && acceptor))
        #expect(agreement.checksum == (!dialer && !acceptor))
        let welcome = try #require(Self.welcome(answer))
        #expect(welcome.capabilities.compression == agreement.compression)
        #expect(welcome.capabilities.checksum == agreement.checksum)
        #expect(!welcome.capabilities.encryption)
        #expect(try HandshakeNegotiation.agreement(from: welcome, offered: hello) == agreement)
    }

    @Test(arguments: [
        (UInt32(1 << 20), UInt32(1 << 22), 1 << 20), (1 << 22, 1 << 20, 1 << 20), (1000, 1 << 20, Limits.frameBytesFloor),
        (0, 0, Limits.frameBytesFloor), (.max, .max, Limits.frameBytesCeiling),
    ] as [(UInt32, UInt32, Int)])
    func frameLimitIsTheSmallerOneClamped(dialer: UInt32, acceptor: UInt32, agreed: Int) throws {
        let hello = Support.hello(capabilities: Capabilities(compression: true, checksum: true, frameBytesMax: dialer))
        let answer = Self.answer(
            hello, capabilities: Capabilities(compression: true, checksum: true, frameBytesMax: acceptor))
        #expect(answer.1?.frameBytesMax == agreed)
        let welcome = try #require(Self.welcome(answer))
        #expect(Int(welcome.capabilities.frameBytesMax) == agreed)
        #expect(try HandshakeNegotiation.agreement(from: welcome, offered: hello).frameBytesMax == agreed)
    }

    @Test func welcomeIsIdentifiedAndCarriesPeers() throws {
        let welcome = try #require(Self.welcome(Self.answer(Support.hello())))
        #expect(welcome.node == Support.nodeB && welcome.generation == 77)
        #expect(welcome.advertisedAddress == NodeAddress(uncheckedHost: "10.0.0.2", port: 7002))
        #expect(welcome.peers == [Support.peer(3)])
    }

    @Test func dialerRejectsWelcomesItDidNotAskFor() throws {
        let hello = Support.hello(
            versions: 1...2, capabilities: Capabilities(compression: false, checksum: false, frameBytesMax: 1 << 20))
        let good = Welcome(
            version: 2, node: Support.nodeB, generation: 1, advertisedAddress: nil,
            capabilities: Capabilities(compression: false, checksum: false, frameBytesMax: 1 << 20))
        #expect(throws: Never.self) { try HandshakeNegotiation.agreement(from: good, offered: hello) }
        var cases: [(Welcome, WireError.Code)] = []
        var version = good
        version.version = 3
        cases.append((version, .unsupportedVersion))
        var compression = good
        compression.capabilities.compression = true
        cases.append((compression, .malformed))
        var checksum = good
        checksum.capabilities.checksum = true
        cases.append((checksum, .malformed))
        var encryption = good
        encryption.capabilities.encryption = true
        cases.append((encryption, .unsupported))
        var tooLarge = good
        tooLarge.capabilities.frameBytesMax = (1 << 20) + 1
        cases.append((tooLarge, .limitExceeded))
        var tooSmall = good
        tooSmall.capabilities.frameBytesMax = UInt32(Limits.frameBytesFloor - 1)
        cases.append((tooSmall, .limitExceeded))
        for (welcome, code) in cases {
            let error = #expect(throws: WireError.self) { try HandshakeNegotiation.agreement(from: welcome, offered: hello) }
            #expect(error?.code == code)
        }
    }
}
