import FabricCore
import FabricReactor
import FabricWire
import Testing
@testable import FabricTransport

/// Hostile and broken peers: each gets a closed connection with a reason and moves a counter,
/// and the node keeps serving everyone else.
@Suite(.serialized) struct BadInputTests {
    /// A well-behaved client still gets through after whatever the test did.
    func expectStillServes(_ fixture: TransportFixture) async {
        let (group, client) = fixture.client(named: "good")
        let connected = await eventually { client.connectedPeers.contains { $0.node == NodeId(uncheckedValid: "server") } }
        #expect(connected, "a good client could not connect after the bad input")
        client.shutdown()
        group.shutdown()
    }

    @Test func garbageBytesCloseTheConnection() async throws {
        let fixture = try TransportFixture()
        defer { fixture.shutdown() }
        var random = SeededRandom(seed: 1)
        for _ in 0..<20 {
            let raw = try RawClient(port: fixture.port)
            raw.send((0..<200).map { _ in UInt8(truncatingIfNeeded: random.next()) })
            let (_, closed) = await raw.readUntilClosed(timeoutMilliseconds: 30_000)
            #expect(closed)
        }
        #expect(fixture.transport.counters.value(.protocolErrors) + fixture.transport.counters.value(.handshakeFailures) >= 20)
        await expectStillServes(fixture)
    }

    @Test func wrongMagicGetsAnExplainedRefusal() async throws {
        let fixture = try TransportFixture()
        defer { fixture.shutdown() }
        let raw = try RawClient(port: fixture.port)
        raw.send(try TransportFixture.frame(kind: .handshake, payload: Array("NOPE and more bytes".utf8)))
        let (bytes, closed) = await raw.readUntilClosed(timeoutMilliseconds: 30_000)
        #expect(closed)
        let messages = TransportFixture.handshakeMessages(in: bytes)
        guard case .refusal(let refusal)? = messages.first else {
            Issue.record("expected a refusal, got \(messages)")
            return
        }
        #expect(refusal.reason == .badHello)
        #expect(fixture.transport.counters.value(.handshakeFailures) == 1)
        await expectStillServes(fixture)
    }

    @Test func unknownVersionIsRefusedWithBothRanges() async throws {
        let fixture = try TransportFixture()
        defer { fixture.shutdown() }
        let raw = try RawClient(port: fixture.port)
        raw.send(try TransportFixture.hello(versions: 50...60))
        let (bytes, closed) = await raw.readUntilClosed(timeoutMilliseconds: 30_000)
        #expect(closed)
        guard case .refusal(let refusal)? = TransportFixture.handshakeMessages(in: bytes).first else {
            Issue.record("expected a refusal")
            return
        }
        #expect(refusal.reason == .versionMismatch)
        #expect(refusal.message.contains("50"))
    }

    @Test func otherClustersAreRefused() async throws {
        let fixture = try TransportFixture()
        defer { fixture.shutdown() }
        let raw = try RawClient(port: fixture.port)
        raw.send(try TransportFixture.hello(cluster: "elsewhere"))
        let (bytes, closed) = await raw.readUntilClosed(timeoutMilliseconds: 30_000)
        #expect(closed)
        guard case .refusal(let refusal)? = TransportFixture.handshakeMessages(in: bytes).first else {
            Issue.record("expected a refusal")
            return
        }
        #expect(refusal.reason == .clusterMismatch)
    }

    @Test func anOversizedLengthClosesTheConnectionAsAProtocolError() async throws {
        let fixture = try TransportFixture()
        defer { fixture.shutdown() }
        let raw = try RawClient(port: fixture.port)
        raw.send([0xFF, 0xFF, 0xFF, 0xF0, 0x00, 0x00] + [UInt8](repeating: 0, count: 8))
        let (_, closed) = await raw.readUntilClosed(timeoutMilliseconds: 30_000)
        #expect(closed)
        #expect(fixture.transport.counters.value(.protocolErrors) == 1)
        await expectStillServes(fixture)
    }

    @Test func framesCutOffMidStreamAndSilentPeersAreClosed() async throws {
        let fixture = try TransportFixture()
        defer { fixture.shutdown() }
        let hello = try TransportFixture.hello()
        let cut = try RawClient(port: fixture.port)
        cut.send(Array(hello.prefix(hello.count / 2)))
        let silent = try RawClient(port: fixture.port)
        // Closed by the handshake deadline (300 ms here), which the counter names as the cause;
        // 30 s is only a safety bound on the wait.
        #expect(await cut.readUntilClosed(timeoutMilliseconds: 30_000).closed)
        #expect(await silent.readUntilClosed(timeoutMilliseconds: 30_000).closed)
        #expect(fixture.transport.counters.value(.handshakeTimeouts) == 2)
        await expectStillServes(fixture)
    }

    @Test func aThousandSilentPeersAtOnce() async throws {
        raiseFileLimit()
        let fixture = try TransportFixture { $0.limits.handshakeTimeout = .seconds(2) }
        defer { fixture.shutdown() }
        var clients: [RawClient] = []
        for index in 0..<1000 {
            let client = try RawClient(port: fixture.port)
            if index % 2 == 0 { client.send([0x00, 0x00]) }
            clients.append(client)
        }
        await expectStillServes(fixture)
        for client in clients { #expect(await client.readUntilClosed(timeoutMilliseconds: 30_000).closed) }
        #expect(fixture.transport.counters.value(.handshakeTimeouts) == 1000)
        clients.removeAll()
        await expectStillServes(fixture)
    }
}
