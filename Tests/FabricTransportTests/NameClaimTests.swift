import FabricCore
import FabricReactor
import FabricWire
import Testing
@testable import FabricTransport

/// A hello cannot take over a connected node's name, and a dial to a known node accepts only
/// that node's welcome (issue 14). A real restart still gets through.
@Suite(.serialized) struct NameClaimTests {
    /// A hello frame claiming `node` with `generation`, as a raw peer sends it.
    static func hello(node: String, generation: UInt64) throws -> [UInt8] {
        let hello = Hello(
            versionMin: ProtocolVersion.supported.lowerBound, versionMax: ProtocolVersion.supported.upperBound,
            cluster: "test", node: NodeId(uncheckedValid: node), generation: generation, advertisedAddress: nil,
            capabilities: Capabilities(compression: false, checksum: false, frameBytesMax: 1 << 20))
        var payload: [UInt8] = []
        HandshakeMessage.hello(hello).encode(into: &payload)
        return try TransportFixture.frame(kind: .handshake, payload: payload)
    }

    static func connection(of transport: Transport, to node: String) -> Connection? {
        transport.state.withLock { $0.peers[NodeId(uncheckedValid: node)]?.connection }
    }

    @Test(arguments: [UInt64(0x5EED), 0xBAD])
    func aHelloClaimingAConnectedNodeIsRefused(generation: UInt64) async throws {
        let a = try TransportFixture(name: "a")
        let b = try TransportFixture(name: "b")  // generation 0x5EED, like every fixture
        defer { [a, b].forEach { $0.shutdown() } }
        b.transport.join(seeds: [NodeAddress(uncheckedHost: "127.0.0.1", port: a.port)])
        #expect(await eventually { a.transport.connectedPeers.map(\.node) == [NodeId(uncheckedValid: "b")] })
        let real = try #require(Self.connection(of: a.transport, to: "b"))

        let impostor = try RawClient(port: a.port)
        impostor.send(try Self.hello(node: "b", generation: generation))
        let (bytes, closed) = await impostor.readUntilClosed(timeoutMilliseconds: 30_000)
        #expect(closed)
        guard case .refusal(let refusal)? = TransportFixture.handshakeMessages(in: bytes).first else {
            Issue.record("expected a refusal, got \(TransportFixture.handshakeMessages(in: bytes))")
            return
        }
        #expect(refusal.reason == .duplicateConnection)
        #expect(Self.connection(of: a.transport, to: "b") === real, "the impostor took b's place")
        #expect(real.phase == .ready)
        #expect(a.transport.connectedPeers == [RemotePeer(node: NodeId(uncheckedValid: "b"), generation: 0x5EED, address: b.transport.advertisedAddress)])
        #expect(a.transport.peerTableCounters.value(.claimsChallenged) == 1)
        #expect(a.transport.peerTableCounters.value(.claimsRefused) == 1)
        #expect(b.transport.connectedPeers.map(\.node) == [NodeId(uncheckedValid: "a")])
    }

    /// The old process's connection is open but silent (a RawClient that shook hands as b and
    /// then stopped answering, as a frozen or partitioned process would): a new generation of b
    /// gets in once the challenge times out, and the silent connection is closed.
    @Test func aRestartedNodeGetsThroughWhenItsOldConnectionIsSilent() async throws {
        let a = try TransportFixture(name: "a") { $0.limits.claimChallengeTimeout = .milliseconds(500) }
        defer { a.shutdown() }
        let old = try RawClient(port: a.port)
        old.send(try Self.hello(node: "b", generation: 0xB1))
        // Reads for 2 s (the connection stays open): ample for the welcome on a loaded machine.
        let welcome = await old.readUntilClosed(timeoutMilliseconds: 2000)
        #expect(!welcome.closed)
        guard case .welcome? = TransportFixture.handshakeMessages(in: welcome.bytes).first else {
            Issue.record("the old b was not welcomed")
            return
        }
        #expect(a.transport.connectedPeers.map(\.generation) == [0xB1])

        let restarted = try TransportFixture(name: "b") { configuration in
            configuration.generation = 0xB2
            configuration.limits.handshakeTimeout = .seconds(5)
        }
        defer { restarted.shutdown() }
        restarted.transport.join(seeds: [NodeAddress(uncheckedHost: "127.0.0.1", port: a.port)])
        let back = await eventually(timeout: .seconds(10)) {
            a.transport.connectedPeers.map(\.generation) == [0xB2]
        }
        #expect(back, "\(a.transport.connectedPeers)")
        #expect(a.transport.peerTableCounters.value(.claimsAdmitted) == 1)
        #expect(await old.readUntilClosed(timeoutMilliseconds: 30_000).closed, "the silent connection stayed open")
    }

    /// The old transport's loops stop without a goodbye (its sockets close under it, as when the
    /// process is killed): the restarted node connects again.
    @Test func aRestartedNodeGetsThroughAfterItsOldTransportDiedWithoutAGoodbye() async throws {
        let a = try TransportFixture(name: "a")
        defer { a.shutdown() }
        let old = try TransportFixture(name: "b") { $0.generation = 0xB1 }
        old.transport.join(seeds: [NodeAddress(uncheckedHost: "127.0.0.1", port: a.port)])
        #expect(await eventually { a.transport.connectedPeers.map(\.generation) == [0xB1] })
        old.group.shutdown()  // no `transport.shutdown()`: no goodbye is sent

        let restarted = try TransportFixture(name: "b") { $0.generation = 0xB2 }
        defer { restarted.shutdown() }
        restarted.transport.join(seeds: [NodeAddress(uncheckedHost: "127.0.0.1", port: a.port)])
        let back = await eventually(timeout: .seconds(10)) {
            a.transport.connectedPeers.map(\.generation) == [0xB2]
                && restarted.transport.connectedPeers.map(\.node) == [NodeId(uncheckedValid: "a")]
        }
        #expect(back, "\(a.transport.connectedPeers)")
    }

    /// Queues a call on `connection` and waits for its outcome.
    static func call(on connection: Connection) async -> Result<ArraySlice<UInt8>, FabricError> {
        do {
            let reply = try await withUnsafeThrowingContinuation { continuation in
                let call = PendingCall(callID: 1, deadline: System.monotonicNow + .seconds(5), continuation: continuation)
                do {
                    try connection.sendCall(OutboundMessage(kind: .call, messageID: 1, payload: [1, 2, 3]), call)
                } catch {
                    continuation.resume(throwing: error)
                }
            }
            return .success(reply)
        } catch let error as FabricError {
            return .failure(error)
        } catch {
            return .failure(FabricError(.protocolViolation, "\(error)"))
        }
    }

    /// A node named c listens where this node expects b: a dial that expects b (by
    /// `dial(_:expecting:)` or by `connection(to:)` from what it knows of b) is closed with a
    /// reason and its queued call fails with nodeUnreachable instead of going to c.
    @Test(arguments: [false, true])
    func aWelcomeFromAnotherNodeClosesTheDialAndFailsItsCalls(throughKnownAddress: Bool) async throws {
        let c = try TransportFixture(name: "c")
        defer { c.shutdown() }
        let group = EventLoopGroup(loopCount: 1)
        defer { group.shutdown() }
        let dialer = Transport(
            configuration: TransportConfiguration(cluster: "test", node: NodeId(uncheckedValid: "a"), generation: 1, listen: nil),
            group: group, log: { _, _ in })
        defer { dialer.shutdown() }
        let address = NodeAddress(uncheckedHost: "127.0.0.1", port: c.port)
        let connection: Connection
        if throughKnownAddress {
            dialer.learn([PeerInfo(node: NodeId(uncheckedValid: "b"), generation: 0xB, address: address)], fromSender: NodeId(uncheckedValid: "gossip"))
            connection = try dialer.connection(to: NodeId(uncheckedValid: "b"))
        } else {
            connection = try #require(dialer.dial(address, expecting: NodeId(uncheckedValid: "b")))
        }
        let outcome = await Self.call(on: connection)
        guard case .failure(let error) = outcome else {
            Issue.record("the call meant for b was answered: \(outcome)")
            return
        }
        #expect(error.code == .nodeUnreachable, "\(error)")
        #expect(error.message.contains("c answered"), "\(error.message)")
        #expect(dialer.peerTableCounters.value(.welcomesFromAnotherNode) == 1)
        #expect(dialer.connectedPeers.isEmpty)
    }
}
