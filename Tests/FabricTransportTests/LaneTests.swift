import FabricCore
import FabricReactor
import FabricWire
import Synchronization
import Testing
@testable import FabricTransport

/// Control frames never wait behind bulk (issue 14, §2): a connection hands its stream only
/// its share, highest priority first, and sends large messages as fragments between which
/// smaller, more urgent frames go out.
@Suite(.serialized) struct LaneTests {
    /// Records the frames that reach it, in order.
    final class RecordingDelegate: TransportDelegate, @unchecked Sendable {
        let received = Mutex<[(id: UInt64, bytes: Int, intact: Bool)]>([])
        func transport(_ connection: Connection, receivedCall frame: Frame) {
            let intact = frame.payload.enumerated().allSatisfy { $0.element == UInt8(truncatingIfNeeded: $0.offset &* 7) }
            received.withLock { $0.append((frame.messageID, frame.payload.count, intact)) }
        }
        func transportPeerUp(_ peer: RemotePeer) {}
        func transportPeerDown(_ node: NodeId, generation: UInt64, restarted: Bool) {}
    }

    static func pattern(_ count: Int) -> [UInt8] { (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 7) } }

    /// A server that records what it receives and a client connected to it.
    static func pair(fragments: Bool, compression: Bool = false) async throws -> (TransportFixture, RecordingDelegate, EventLoopGroup, Transport, Connection) {
        let fixture = try TransportFixture {
            $0.fragments = fragments
            $0.compression = compression
        }
        let delegate = RecordingDelegate()
        fixture.transport.delegateBox = TransportDelegateBox(delegate)
        fixture.transport.retainDelegate(delegate)
        let group = EventLoopGroup(loopCount: 1)
        var configuration = TransportConfiguration(cluster: "test", node: NodeId(uncheckedValid: "client"), generation: 0xC1, listen: nil)
        configuration.fragments = fragments
        configuration.compression = compression
        let client = Transport(configuration: configuration, group: group, log: { _, _ in })
        client.join(seeds: [NodeAddress(uncheckedHost: "127.0.0.1", port: fixture.port)])
        let connected = await eventually(timeout: .seconds(10)) { client.connectedPeers.contains { $0.node == NodeId(uncheckedValid: "server") } }
        #expect(connected)
        let connection = try client.connection(to: NodeId(uncheckedValid: "server"))
        return (fixture, delegate, group, client, connection)
    }

    /// 12 MiB of bulk is on its way when a control frame is queued: the control frame arrives
    /// first, and the bulk arrives whole after it. Before the lanes, the bulk frame went into
    /// the stream's queue in one piece and everything queued later waited behind all of it.
    @Test func aControlFrameOvertakesBulkAlreadyOnItsWay() async throws {
        let (fixture, delegate, group, client, connection) = try await Self.pair(fragments: true)
        defer { client.shutdown(); group.shutdown(); fixture.shutdown() }
        let bulk = Self.pattern(12 * 1024 * 1024)
        try connection.send(OutboundMessage(kind: .oneway, priority: 0, messageID: 1, payload: bulk))
        let started = await eventually(timeout: .seconds(10)) {
            (client.peerStatistics[NodeId(uncheckedValid: "server")]?.bytesOut ?? 0) > 0
        }
        #expect(started, "the bulk message never started")
        try connection.send(OutboundMessage(kind: .oneway, priority: 3, messageID: 2, payload: Self.pattern(64)))
        let both = await eventually(timeout: .seconds(30)) { delegate.received.withLock { $0.count } == 2 }
        #expect(both)
        let order = delegate.received.withLock { $0 }
        #expect(order.map(\.id) == [2, 1], "arrived in the order \(order.map(\.id))")
        #expect(order.allSatisfy { $0.intact })
        #expect(order.first { $0.id == 1 }?.bytes == bulk.count)
    }

    /// Without fragments (a peer that does not offer them) a large message goes whole, and
    /// still arrives intact; lanes still order what has not gone yet.
    @Test func withoutFragmentsALargeMessageGoesWhole() async throws {
        let (fixture, delegate, group, client, connection) = try await Self.pair(fragments: false)
        defer { client.shutdown(); group.shutdown(); fixture.shutdown() }
        #expect(connection.agreement?.fragments == false)
        let bulk = Self.pattern(3 * 1024 * 1024)
        try connection.send(OutboundMessage(kind: .oneway, priority: 0, messageID: 1, payload: bulk))
        try connection.send(OutboundMessage(kind: .oneway, priority: 0, messageID: 2, payload: Self.pattern(10)))
        let both = await eventually(timeout: .seconds(30)) { delegate.received.withLock { $0.count } == 2 }
        #expect(both)
        let order = delegate.received.withLock { $0 }
        #expect(order.map(\.id) == [1, 2])
        #expect(order.allSatisfy { $0.intact })
    }

    /// With compression agreed, large messages are compressed by their caller
    /// (`Limits.offLoopCompressionBytesMin` and over) or by the loop (under it), cut into
    /// fragments from their two parts (a call's header after its arguments) without joining
    /// them, and each arrives intact, in order, whatever side of the thresholds it is on.
    @Test func twoPartMessagesArriveIntactCompressedOrNot() async throws {
        let (fixture, delegate, group, client, connection) = try await Self.pair(fragments: true, compression: true)
        defer { client.shutdown(); group.shutdown(); fixture.shutdown() }
        #expect(connection.agreement?.compression == true)
        let threshold = Limits.offLoopCompressionBytesMin
        let sizes = [threshold + 1, 100, threshold - 1, 3 * 1024 * 1024, 64 * 1024 + 1, 200_000]
        for (index, size) in sizes.enumerated() {
            // The wire order is the pattern; the array holds its tail first, as a call does.
            let wire = Self.pattern(size)
            let head = min(37, size)
            let payload = Array(wire[head...]) + Array(wire[..<head])
            try connection.send(OutboundMessage(
                kind: .oneway, priority: 1, messageID: UInt64(index + 1), payload: payload, wireStart: size - head))
        }
        let all = await eventually(timeout: .seconds(30)) { delegate.received.withLock { $0.count } == sizes.count }
        #expect(all)
        let order = delegate.received.withLock { $0 }
        #expect(order.map(\.id) == (1...UInt64(sizes.count)).map { $0 })
        #expect(order.map(\.bytes) == sizes)
        #expect(order.allSatisfy { $0.intact })
    }

    /// Within one priority, order is kept through the lanes, fragments or not.
    @Test func orderWithinAPriorityIsKept() async throws {
        let (fixture, delegate, group, client, connection) = try await Self.pair(fragments: true)
        defer { client.shutdown(); group.shutdown(); fixture.shutdown() }
        let sizes = [2_000_000, 10, 300_000, 70_000, 5, 1_000_000, 64 * 1024, 64 * 1024 + 1]
        for (index, size) in sizes.enumerated() {
            try connection.send(OutboundMessage(kind: .oneway, priority: 1, messageID: UInt64(index + 1), payload: Self.pattern(size)))
        }
        let all = await eventually(timeout: .seconds(30)) { delegate.received.withLock { $0.count } == sizes.count }
        #expect(all)
        let order = delegate.received.withLock { $0 }
        #expect(order.map(\.id) == (1...UInt64(sizes.count)).map { $0 })
        #expect(order.map(\.bytes) == sizes)
        #expect(order.allSatisfy { $0.intact })
    }
}
