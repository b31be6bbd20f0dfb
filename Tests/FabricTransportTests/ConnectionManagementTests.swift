import FabricCore
import FabricReactor
import FabricWire
import Testing
@testable import FabricTransport

@Suite(.serialized) struct ConnectionManagementTests {
    @Test func tieBreakKeepsTheConnectionDialedByTheSmallerName() {
        let a = NodeId(uncheckedValid: "a"), b = NodeId(uncheckedValid: "b")
        // At a (smaller): its own dial beats b's dial; at b: a's dial (inbound) beats its own.
        #expect(!ConnectionTieBreak.keepsNew(existingDialedLocally: true, newDialedLocally: false, local: a, remote: b))
        #expect(ConnectionTieBreak.keepsNew(existingDialedLocally: true, newDialedLocally: false, local: b, remote: a))
        #expect(ConnectionTieBreak.keepsNew(existingDialedLocally: false, newDialedLocally: true, local: a, remote: b))
        #expect(!ConnectionTieBreak.keepsNew(existingDialedLocally: false, newDialedLocally: true, local: b, remote: a))
        // Same direction: the newer wins.
        #expect(ConnectionTieBreak.keepsNew(existingDialedLocally: true, newDialedLocally: true, local: a, remote: b))
        #expect(ConnectionTieBreak.keepsNew(existingDialedLocally: false, newDialedLocally: false, local: a, remote: b))
    }

    @Test func backoffGrowsWithJitterWithinBounds() {
        var backoff = Backoff(minimum: .milliseconds(50), maximum: .seconds(5))
        var random = SeededRandom(seed: 3)
        var previousCeiling = Duration.milliseconds(50)
        for attempt in 0..<20 {
            let delay = backoff.nextDelay(using: &random)
            #expect(delay >= .milliseconds(50) && delay <= .seconds(5), "attempt \(attempt): \(delay)")
            previousCeiling = min(previousCeiling * 2, .seconds(5))
        }
        backoff.reset()
        #expect(backoff.attempts == 0)
    }

    @Test func simultaneousDialsSettleOnOneConnectionEach() async throws {
        for round in 0..<5 {
            let a = try TransportFixture(name: "a")
            let b = try TransportFixture(name: "b")
            a.transport.join(seeds: [NodeAddress(uncheckedHost: "127.0.0.1", port: b.port)])
            b.transport.join(seeds: [NodeAddress(uncheckedHost: "127.0.0.1", port: a.port)])
            let connected = await eventually {
                a.transport.connectedPeers.map(\.node) == [NodeId(uncheckedValid: "b")] && b.transport.connectedPeers.map(\.node) == [NodeId(uncheckedValid: "a")]
            }
            #expect(connected, "round \(round)")
            let settled = await eventually {
                a.transport.state.withLock { $0.connections.count } == 1 && b.transport.state.withLock { $0.connections.count } == 1
            }
            #expect(settled, "round \(round): \(a.transport.state.withLock { $0.connections.count }) and \(b.transport.state.withLock { $0.connections.count }) connections")
            a.shutdown()
            b.shutdown()
        }
    }

    @Test func nodesLearnEachOtherThroughACommonSeed() async throws {
        let a = try TransportFixture(name: "a")
        let b = try TransportFixture(name: "b")
        let c = try TransportFixture(name: "c")
        defer { [a, b, c].forEach { $0.shutdown() } }
        b.transport.join(seeds: [NodeAddress(uncheckedHost: "127.0.0.1", port: a.port)])
        c.transport.join(seeds: [NodeAddress(uncheckedHost: "127.0.0.1", port: a.port)])
        let mesh = await eventually {
            Set(b.transport.connectedPeers.map(\.node)) == [NodeId(uncheckedValid: "a"), NodeId(uncheckedValid: "c")]
                && Set(c.transport.connectedPeers.map(\.node)) == [NodeId(uncheckedValid: "a"), NodeId(uncheckedValid: "b")]
        }
        #expect(mesh, "b: \(b.transport.connectedPeers), c: \(c.transport.connectedPeers)")
    }

    @Test func aLostPeerIsRedialedWhenItComesBack() async throws {
        let a = try TransportFixture(name: "a")
        defer { a.shutdown() }
        let b = try TransportFixture(name: "b")
        let port = b.port
        a.transport.join(seeds: [NodeAddress(uncheckedHost: "127.0.0.1", port: port)])
        #expect(await eventually { a.transport.connectedPeers.map(\.node) == [NodeId(uncheckedValid: "b")] })
        b.shutdown()
        #expect(await eventually { a.transport.connectedPeers.isEmpty })
        let again = try TransportFixture(name: "b") { configuration in
            configuration.listen = NodeAddress(uncheckedHost: "127.0.0.1", port: port)
            configuration.advertisedAddress = configuration.listen
            configuration.generation = 0xB2
        }
        defer { again.shutdown() }
        let back = await eventually(timeout: .seconds(10)) {
            a.transport.connectedPeers.contains { $0.node == NodeId(uncheckedValid: "b") && $0.generation == 0xB2 }
        }
        #expect(back, "a did not redial b: \(a.transport.connectedPeers)")
        #expect(a.transport.counters.value(.redials) >= 1)
        #expect(a.transport.peerStatistics[NodeId(uncheckedValid: "b")]?.reconnects == 1)
    }
}
