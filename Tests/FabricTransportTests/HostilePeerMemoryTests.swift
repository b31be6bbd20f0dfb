#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import FabricCore
import FabricReactor
import FabricWire
import Synchronization
import Testing
@testable import FabricTransport

/// A peer can never make this node's memory grow without bound (issue 14, §1): one that sends
/// calls and never reads the replies, and thousands that announce large frames and trickle them.
@Suite(.serialized) struct HostilePeerMemoryTests {
    /// Answers every call with its own payload, on the loop, as an echo actor on a loop would.
    final class EchoDelegate: TransportDelegate, @unchecked Sendable {
        let calls = Atomic<Int>(0)
        func transport(_ connection: Connection, receivedCall frame: Frame) {
            calls.add(1, ordering: .relaxed)
            guard frame.kind == .call else { return }
            connection.sendReply(messageID: frame.messageID) { $0.append(contentsOf: frame.payload) }
        }
        func transportPeerUp(_ peer: RemotePeer) {}
        func transportPeerDown(_ node: NodeId, generation: UInt64, restarted: Bool) {}
    }

    static func echoFixture(configure: (inout TransportConfiguration) -> Void) throws -> (TransportFixture, EchoDelegate) {
        let fixture = try TransportFixture(configure: configure)
        let delegate = EchoDelegate()
        fixture.transport.delegateBox = TransportDelegateBox(delegate)
        fixture.transport.retainDelegate(delegate)  // the box does not retain it
        return (fixture, delegate)
    }

    /// A hello as a raw peer sends it, offering `frameBytesMax` and optionally compression.
    static func hello(node: String, frameBytesMax: Int, compression: Bool = false) throws -> [UInt8] {
        let hello = Hello(
            versionMin: ProtocolVersion.supported.lowerBound, versionMax: ProtocolVersion.supported.upperBound,
            cluster: "test", node: NodeId(uncheckedValid: node), generation: 9, advertisedAddress: nil,
            capabilities: Capabilities(compression: compression, checksum: false, frameBytesMax: UInt32(frameBytesMax)))
        var payload: [UInt8] = []
        HandshakeMessage.hello(hello).encode(into: &payload)
        return try TransportFixture.frame(kind: .handshake, payload: payload)
    }

    /// Connects, says hello and reads the welcome, so the connection is ready on both sides.
    static func handshaken(port: UInt16, node: String, frameBytesMax: Int = 1 << 20, compression: Bool = false) throws -> RawClient {
        let raw = try RawClient(port: port)
        raw.send(try hello(node: node, frameBytesMax: frameBytesMax, compression: compression))
        let answer = raw.readFrames(count: 1, timeoutMilliseconds: 30_000)
        guard answer.count == 1, answer[0].kind == .handshake,
            case .welcome? = try? HandshakeMessage.decode(answer[0].payload)
        else { throw RawClientError(message: "no welcome for \(node)") }
        return raw
    }

    /// The server's connections, looked at on their loops.
    static func onServerConnections<T: Sendable>(_ fixture: TransportFixture, _ body: @escaping @Sendable ([Connection]) -> T) async -> T {
        let connections = fixture.transport.state.withLock { Array($0.connections.values) }
        let loop = fixture.group.loops[0]
        return await withCheckedContinuation { continuation in
            loop.execute { continuation.resume(returning: body(connections)) }
        }
    }

    /// 200,000 pipelined echo calls on one connection, never reading a reply. Before the output
    /// budget the node read them all within about a second and held every reply (here 1 KiB
    /// each: about 200 MB); now it stops reading once the unsent replies pass the budget, holds
    /// at most the budget plus one turn's replies, serves others meanwhile, and closes the
    /// connection once it has taken nothing for the stall timeout.
    @Test func aPeerThatNeverReadsIsHeldAtTheOutputBudgetThenClosed() async throws {
        let budget = 4 * 1024 * 1024
        let (fixture, delegate) = try Self.echoFixture { configuration in
            configuration.limits.connectionOutputBytesMax = budget
            configuration.limits.outputStallTimeout = .seconds(2)
        }
        defer { fixture.shutdown() }
        let attacker = try Self.handshaken(port: fixture.port, node: "attacker")
        let payload = [UInt8](repeating: 0x5A, count: 1024)
        var calls: [UInt8] = []
        for id in 1...2_000 { calls += try TransportFixture.frame(kind: .call, messageID: UInt64(id), payload: payload) }
        let sender = attacker.sendRepeatedlyInBackground(calls, times: 100)  // 200,000 calls, about 207 MB
        defer { sender.stop() }

        let held = await eventually(timeout: .seconds(30)) { fixture.transport.counters.value(.readsHeldForOutput) >= 1 }
        #expect(held, "the node never stopped reading from a peer that takes no output")
        // What the server holds for it: the stream's unsent bytes, at most the budget plus
        // what one turn's reads (16 × 64 KiB of calls) answered.
        let unsent = await Self.onServerConnections(fixture) { connections in
            connections.map { $0.stream?.pendingWriteBytes ?? 0 }.max() ?? 0
        }
        #expect(unsent <= budget + 2 * 1024 * 1024, "\(unsent) bytes of replies held for a peer that reads nothing")
        #expect(delegate.calls.load(ordering: .relaxed) < 20_000, "the node read on: \(delegate.calls.load(ordering: .relaxed)) calls")
        // (Not the process's resident memory: it is shared with the tests running in parallel.
        // What the node holds for this peer is bounded above, by its unsent replies and by how
        // many calls it read.)

        // Others are still served while the attacker is held.
        let good = try Self.handshaken(port: fixture.port, node: "good")
        good.send(try TransportFixture.frame(kind: .call, messageID: 7, payload: [1, 2, 3]))
        let reply = good.readFrames(count: 1, timeoutMilliseconds: 30_000)
        #expect(reply.first?.kind == .reply && reply.first?.payload == [1, 2, 3])

        let closed = await eventually(timeout: .seconds(30)) { fixture.transport.counters.value(.outputStalls) == 1 }
        #expect(closed, "a peer that took nothing for the stall timeout was not closed")
    }

    /// A thousand peers each announce a 16 MiB frame and trickle it: each costs about what it
    /// sent, not what it announced, and each is closed once its frame is overdue.
    @Test func aThousandTrickledLargeFramesHoldOnlyWhatArrivedAndAreClosed() async throws {
        raiseFileLimit()
        let count = 1000
        let (fixture, _) = try Self.echoFixture { configuration in
            // Long enough for all 1,000 handshakes on a loaded machine before the first is overdue.
            configuration.limits.frameReceiveTimeout = .seconds(8)
            configuration.limits.keepaliveInterval = .milliseconds(250)
            configuration.limits.idleTimeout = .seconds(120)
        }
        defer { fixture.shutdown() }
        let claimed = 16 * 1024 * 1024
        // The first 14 bytes of a real frame of nearly that size, then 1 KiB of it.
        let encoder = FrameEncoder(frameBytesMax: claimed, checksum: false, compressionThresholdBytes: nil)
        let payload = [UInt8](repeating: 0x33, count: claimed - 64)
        var whole: [UInt8] = []
        try payload.withUnsafeBytes { try encoder.append(kind: .call, priority: 0, messageID: 1, payload: $0, to: &whole) }
        // Sent in two pieces: the second makes the decoder find room for more of the frame.
        let start = Array(whole.prefix(FrameLayout.headerBytes + 512))
        let more = Array(whole[start.count..<(start.count + 512)])

        var trickling: [RawClient] = []
        for index in 0..<count {
            let raw = try Self.handshaken(port: fixture.port, node: "trickle-\(index)", frameBytesMax: claimed)
            raw.send(start)
            trickling.append(raw)
        }
        let buffered = await eventually(timeout: .seconds(30)) {
            fixture.transport.state.withLock { $0.connections.count } >= count
        }
        #expect(buffered)
        for raw in trickling { raw.send(more) }
        let arrived = await eventually(timeout: .seconds(30)) {
            fixture.transport.peerStatistics.values.reduce(0) { $0 + $1.bytesIn } >= UInt64(count * (start.count + more.count))
        }
        #expect(arrived)
        let capacities = await Self.onServerConnections(fixture) { connections in
            connections.map(\.decoder.bufferCapacity).reduce(0, +)
        }
        // Before, each decoder made room for the whole announced frame: 16 GiB in all.
        #expect(capacities <= count * 64 * 1024, "\(capacities) bytes of read buffers for \(count) KiB received")

        let good = try Self.handshaken(port: fixture.port, node: "good")
        good.send(try TransportFixture.frame(kind: .call, messageID: 7, payload: [4, 5]))
        #expect(good.readFrames(count: 1, timeoutMilliseconds: 30_000).first?.payload == [4, 5])

        let allClosed = await eventually(timeout: .seconds(60)) {
            fixture.transport.counters.value(.frameReceiveTimeouts) >= UInt64(count)
        }
        #expect(allClosed, "\(fixture.transport.counters.value(.frameReceiveTimeouts)) of \(count) overdue frames closed")
        _ = trickling
    }

    /// Compressed frames that each expand to 1 MiB: the connection stops decoding after the
    /// per-turn budget and goes on in the next turn, and every frame still arrives.
    @Test func decompressionYieldsTheLoopAfterItsBudget() async throws {
        let (fixture, delegate) = try Self.echoFixture { configuration in
            configuration.limits.decompressedBytesPerTurnMax = 2 * 1024 * 1024
        }
        defer { fixture.shutdown() }
        // Encoded before the handshake: under the thread sanitizer encoding takes ~12 s, and a
        // peer silent that long after its hello is closed for idleness (`idleTimeout`, 10 s).
        let encoder = FrameEncoder(frameBytesMax: 4 << 20, checksum: false, compressionThresholdBytes: 1024)
        let zeros = [UInt8](repeating: 0, count: 1024 * 1024)
        var frames: [UInt8] = []
        for id in 1...12 {
            try zeros.withUnsafeBytes {
                try encoder.append(kind: .oneway, priority: 0, messageID: UInt64(id), payload: $0, to: &frames)
            }
        }
        #expect(frames.count < 100_000, "the test meant to send small compressed frames")
        let raw = try Self.handshaken(port: fixture.port, node: "zipper", frameBytesMax: 4 << 20, compression: true)
        raw.send(frames)
        let delivered = await eventually(timeout: .seconds(20)) { delegate.calls.load(ordering: .relaxed) == 12 }
        #expect(delivered)
        #expect(fixture.transport.counters.value(.decompressionYields) >= 1)
    }

    /// Answers calls from another thread, as an actor off the loop does (its replies are queued).
    final class OffLoopEchoDelegate: TransportDelegate, @unchecked Sendable {
        func transport(_ connection: Connection, receivedCall frame: Frame) {
            let payload = Array(frame.payload), id = frame.messageID
            DispatchQueue.global().async { connection.sendReply(messageID: id) { $0.append(contentsOf: payload) } }
        }
        func transportPeerUp(_ peer: RemotePeer) {}
        func transportPeerDown(_ node: NodeId, generation: UInt64, restarted: Bool) {}
    }

    /// Replies that do not fit under the output's hard limit are refused, counted, and their
    /// callers get a `rejected` failure at once (before, they were dropped without a word and
    /// the callers waited for their deadlines).
    @Test func aReplyThatDoesNotFitBecomesARejection() async throws {
        let fixture = try TransportFixture { configuration in
            configuration.limits.outboundQueueBytesMax = 256 * 1024
            configuration.limits.connectionOutputBytesMax = 1024 * 1024 * 1024
        }
        defer { fixture.shutdown() }
        let delegate = OffLoopEchoDelegate()
        fixture.transport.delegateBox = TransportDelegateBox(delegate)
        fixture.transport.retainDelegate(delegate)
        let raw = try Self.handshaken(port: fixture.port, node: "greedy")
        var calls: [UInt8] = []
        let payload = [UInt8](repeating: 0x42, count: 1024)
        for id in 1...20_000 { calls += try TransportFixture.frame(kind: .call, messageID: UInt64(id), payload: payload) }
        let sender = raw.sendRepeatedlyInBackground(calls, times: 1)
        defer { sender.stop() }
        let refused = await eventually(timeout: .seconds(30)) { fixture.transport.counters.value(.repliesRefused) > 0 }
        #expect(refused, "no reply was ever refused")
        var rejections = 0
        for frame in raw.readFrames(count: 40_000, timeoutMilliseconds: 2000) where frame.kind == .reply {
            if case .failure(let failure)? = try? ReplyEnvelope.decode(frame.payload), failure.code == .rejected { rejections += 1 }
        }
        #expect(rejections > 0, "no caller was told its reply did not fit")
    }

    /// A peer that pings and never reads: pongs past the control cap are dropped and counted,
    /// so control traffic cannot grow the output without bound either.
    @Test func pongsPastTheControlCapAreDropped() async throws {
        let (fixture, _) = try Self.echoFixture { configuration in
            configuration.limits.outboundQueueBytesMax = 64 * 1024
            configuration.limits.controlOutputBytesMax = 64 * 1024
        }
        defer { fixture.shutdown() }
        let raw = try Self.handshaken(port: fixture.port, node: "pinger")
        var pings: [UInt8] = []
        for token in 1...2_000 {
            var payload: [UInt8] = []
            SystemMessage.ping(UInt64(token)).encode(into: &payload)
            pings += try TransportFixture.frame(kind: .system, payload: payload)
        }
        let sender = raw.sendRepeatedlyInBackground(pings, times: 200)
        defer { sender.stop() }
        let dropped = await eventually(timeout: .seconds(30)) { fixture.transport.counters.value(.controlFramesDropped) > 0 }
        #expect(dropped, "pongs to a peer that never reads were never dropped")
        let unsent = await Self.onServerConnections(fixture) { connections in
            connections.map { $0.stream?.pendingWriteBytes ?? 0 }.max() ?? 0
        }
        #expect(unsent <= 64 * 1024 + 64 * 1024 + 64 * 1024, "\(unsent) bytes of pongs held")
    }
}

