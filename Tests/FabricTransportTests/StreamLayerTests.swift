import Dispatch
import FabricCore
import FabricReactor
import FabricWire
import Synchronization
import Testing
@testable import FabricTransport

/// A session with a handshake of its own, as a TLS session has: the dialer says `XOR?`, the
/// acceptor answers `XOR!`, and from then on every byte either way is XORed with `key`.
/// Anything else where a greeting belongs fails the stream.
final class XORSession: StreamSession, @unchecked Sendable {
    static let dialerGreeting = Array("XOR?".utf8)
    static let acceptorGreeting = Array("XOR!".utf8)

    let key: UInt8
    let role: StreamRole
    /// Owner bytes that went through `send` and `receive`, across sessions.
    let counters: XORCounters
    private(set) var isEstablished = false
    private var greeting: [UInt8] = []

    init(key: UInt8, role: StreamRole, counters: XORCounters) {
        self.key = key
        self.role = role
        self.counters = counters
    }

    func start(wire: inout [UInt8]) throws(ReactorError) {
        if role == .dialer { wire += Self.dialerGreeting }
    }

    func receive(_ bytes: UnsafeRawBufferPointer, plain: inout [UInt8], wire: inout [UInt8]) throws(ReactorError) {
        var rest = bytes[...]
        if !isEstablished {
            let expected = role == .dialer ? Self.acceptorGreeting : Self.dialerGreeting
            let taken = min(expected.count - greeting.count, bytes.count)
            greeting += bytes[..<taken]
            guard greeting[...] == expected[..<greeting.count] else {
                throw ReactorError(.sessionFailed, "not an XOR peer")
            }
            guard greeting.count == expected.count else { return }
            if role == .acceptor { wire += Self.acceptorGreeting }
            isEstablished = true
            rest = bytes[taken...]
        }
        Self.xor(UnsafeRawBufferPointer(rebasing: rest), key: key, into: &plain)
        counters.opened.add(rest.count, ordering: .relaxed)
    }

    func send(_ bytes: UnsafeRawBufferPointer, wire: inout [UInt8]) throws(ReactorError) {
        Self.xor(bytes, key: key, into: &wire)
        counters.sealed.add(bytes.count, ordering: .relaxed)
    }

    /// Appends `bytes` XORed with `key` to `output`, eight bytes at a time (debug builds run
    /// these tests; a byte at a time took seconds for 16 MB).
    static func xor(_ bytes: UnsafeRawBufferPointer, key: UInt8, into output: inout [UInt8]) {
        let start = output.count
        output.append(contentsOf: bytes)
        let wide = UInt64(key) &* 0x0101_0101_0101_0101
        output.withUnsafeMutableBytes { buffer in
            var index = start
            while index + 8 <= buffer.count {
                let word = buffer.loadUnaligned(fromByteOffset: index, as: UInt64.self) ^ wide
                buffer.storeBytes(of: word, toByteOffset: index, as: UInt64.self)
                index += 8
            }
            while index < buffer.count {
                buffer[index] ^= key
                index += 1
            }
        }
    }

    static func layer(key: UInt8, counters: XORCounters) -> SessionStreamLayer {
        SessionStreamLayer { role in XORSession(key: key, role: role, counters: counters) }
    }
}

final class XORCounters: Sendable {
    let sealed = Atomic<Int>(0)
    let opened = Atomic<Int>(0)
}

/// A session whose handshake never completes: it takes every byte and answers nothing.
final class StallingSession: StreamSession, @unchecked Sendable {
    let received = Atomic<Int>(0)
    var isEstablished: Bool { false }
    func start(wire: inout [UInt8]) throws(ReactorError) {}
    func receive(_ bytes: UnsafeRawBufferPointer, plain: inout [UInt8], wire: inout [UInt8]) throws(ReactorError) {
        received.add(bytes.count, ordering: .relaxed)
    }
    func send(_ bytes: UnsafeRawBufferPointer, wire: inout [UInt8]) throws(ReactorError) {
        Issue.record("a session that never established was asked to send \(bytes.count) bytes")
    }
}

/// The byte-stream seam under `Connection` (issue 14, §5): a session layer between the socket
/// and the frame codec, chosen per transport, with its handshake inside the connection's.
@Suite(.serialized) struct StreamLayerTests {
    /// Answers calls with their payload reversed and records one-way frames' ids, in order.
    final class Delegate: TransportDelegate, @unchecked Sendable {
        let oneWayIDs = Mutex<[UInt64]>([])
        func transport(_ connection: Connection, receivedCall frame: Frame) {
            if frame.kind == .oneway {
                oneWayIDs.withLock { $0.append(frame.messageID) }
                return
            }
            connection.sendReply(messageID: frame.messageID) { $0.append(contentsOf: frame.payload.reversed()) }
        }
        func transportPeerUp(_ peer: RemotePeer) {}
        func transportPeerDown(_ node: NodeId, generation: UInt64, restarted: Bool) {}
    }

    static func serve(_ fixture: TransportFixture) -> Delegate {
        let delegate = Delegate()
        fixture.transport.delegateBox = TransportDelegateBox(delegate)
        fixture.transport.retainDelegate(delegate)
        return delegate
    }

    /// A client-only transport with `layer`, dialing `port`.
    static func client(
        layer: (any StreamLayer)?, port: UInt16, configure: (inout TransportConfiguration) -> Void = { _ in }
    ) -> (EventLoopGroup, Transport) {
        let group = EventLoopGroup(loopCount: 1)
        var configuration = TransportConfiguration(cluster: "test", node: NodeId(uncheckedValid: "client"), generation: 0xC1, listen: nil)
        configuration.streamLayer = layer
        configure(&configuration)
        let client = Transport(configuration: configuration, group: group, log: { _, _ in })
        client.join(seeds: [NodeAddress(uncheckedHost: "127.0.0.1", port: port)])
        return (group, client)
    }

    static func onLoop<T: Sendable>(_ loop: EventLoop, _ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            loop.execute { continuation.resume(returning: body()) }
        }
    }

    static func call(_ connection: Connection, id: UInt64, payload: [UInt8]) async throws -> [UInt8] {
        let reply = try await withUnsafeThrowingContinuation { continuation in
            let call = PendingCall(callID: id, deadline: System.monotonicNow + .seconds(10), continuation: continuation)
            do {
                try connection.sendCall(OutboundMessage(kind: .call, messageID: id, payload: payload), call)
            } catch {
                continuation.resume(throwing: error)
            }
        }
        return Array(reply)
    }

    @Test func callsAndRepliesGoThroughTheLayerOnBothSides() async throws {
        let serverCounters = XORCounters()
        let clientCounters = XORCounters()
        let server = try TransportFixture { $0.streamLayer = XORSession.layer(key: 0x5A, counters: serverCounters) }
        defer { server.shutdown() }
        _ = Self.serve(server)
        let (group, client) = Self.client(layer: XORSession.layer(key: 0x5A, counters: clientCounters), port: server.port)
        defer {
            client.shutdown()
            group.shutdown()
        }
        #expect(await eventually { client.connectedPeers.map(\.node) == [NodeId(uncheckedValid: "server")] })
        let connection = try client.connection(to: NodeId(uncheckedValid: "server"))
        for id in UInt64(1)...20 {
            let payload = (0..<Int(id) * 97).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ Int(id)) }
            let reply = try await Self.call(connection, id: id, payload: payload)
            #expect(reply == payload.reversed(), "call \(id)")
        }
        // Every frame went through a session: hello, welcome, calls, replies.
        #expect(clientCounters.sealed.load(ordering: .relaxed) > 20 * 97)
        #expect(serverCounters.opened.load(ordering: .relaxed) == clientCounters.sealed.load(ordering: .relaxed))
        #expect(serverCounters.sealed.load(ordering: .relaxed) > 20 * 97)
        #expect(await eventually {
            clientCounters.opened.load(ordering: .relaxed) == serverCounters.sealed.load(ordering: .relaxed)
        })
    }

    /// A layer established from the start (no handshake of its own): the dialer's hello goes
    /// out at once, as over plain TCP.
    @Test func anIdentityLayerIsTransparent() async throws {
        let identity = SessionStreamLayer { _ in IdentitySession() }
        let server = try TransportFixture { $0.streamLayer = identity }
        defer { server.shutdown() }
        _ = Self.serve(server)
        let (group, client) = Self.client(layer: identity, port: server.port)
        defer {
            client.shutdown()
            group.shutdown()
        }
        #expect(await eventually { client.connectedPeers.map(\.node) == [NodeId(uncheckedValid: "server")] })
        let reply = try await Self.call(try client.connection(to: NodeId(uncheckedValid: "server")), id: 1, payload: [1, 2, 3])
        #expect(reply == [3, 2, 1])
    }

    /// What the socket carries is the session's bytes, not frames: a raw peer that speaks the
    /// layer (greeting, then XOR) gets a welcome, which is XORed on the wire; one that speaks
    /// plain frames is closed without a byte.
    @Test func theWireCarriesTheLayersBytes() async throws {
        let server = try TransportFixture { $0.streamLayer = XORSession.layer(key: 0xA7, counters: XORCounters()) }
        defer { server.shutdown() }
        _ = Self.serve(server)
        let hello = try TransportFixture.hello(node: "raw")

        let speaksTheLayer = try RawClient(port: server.port)
        speaksTheLayer.send(XORSession.dialerGreeting + hello.map { $0 ^ 0xA7 })
        let answer = await speaksTheLayer.readUntilClosed(timeoutMilliseconds: 500)
        #expect(answer.bytes.starts(with: XORSession.acceptorGreeting))
        let frames = Array(answer.bytes.dropFirst(XORSession.acceptorGreeting.count))
        // As sent: no frame can be read from it.
        #expect(TransportFixture.handshakeMessages(in: frames).isEmpty)
        // Un-XORed: the welcome.
        let messages = TransportFixture.handshakeMessages(in: frames.map { $0 ^ 0xA7 })
        guard case .welcome(let welcome)? = messages.first else {
            Issue.record("no welcome through the layer: \(messages)")
            return
        }
        #expect(welcome.node == NodeId(uncheckedValid: "server"))

        let speaksPlain = try RawClient(port: server.port)
        speaksPlain.send(hello)
        let refused = await speaksPlain.readUntilClosed(timeoutMilliseconds: 5000)
        #expect(refused.closed)
        #expect(refused.bytes.isEmpty, "\(refused.bytes.count) bytes came back to a plain peer")
    }

    /// A dialer whose layer never completes its handshake sends no hello, and is closed at the
    /// connection's handshake deadline (on the loop's clock) with a reason and a counter.
    @Test func aLayerThatNeverShakesHandsIsClosedAtTheHandshakeDeadline() async throws {
        // The server is plain and patient: it must not close first.
        let server = try TransportFixture { $0.limits.handshakeTimeout = .seconds(600) }
        defer { server.shutdown() }
        let clock = ManualClock()
        let group = EventLoopGroup(loopCount: 1, clock: clock)
        defer { group.shutdown() }
        var configuration = TransportConfiguration(cluster: "test", node: NodeId(uncheckedValid: "client"), generation: 1, listen: nil)
        configuration.clock = clock
        configuration.limits.handshakeTimeout = .seconds(5)
        let session = StallingSession()
        configuration.streamLayer = SessionStreamLayer { _ in session }
        let transport = Transport(configuration: configuration, group: group, log: { _, _ in })
        defer { transport.shutdown() }
        let connection = try #require(
            transport.dial(NodeAddress(uncheckedHost: "127.0.0.1", port: server.port), expecting: NodeId(uncheckedValid: "server")))

        // Attached (the phase moves in the same loop job that arms the deadline).
        #expect(await eventually { connection.phase == .handshaking })
        let beforeDeadline = await Self.onLoop(group.loops[0]) {
            (connection.sentHello == nil, connection.stream?.isEstablished == false)
        }
        #expect(beforeDeadline == (true, true), "the hello went out before the layer was established")

        clock.advance(by: .seconds(4))
        _ = await Self.onLoop(group.loops[0]) {}
        #expect(connection.phase == .handshaking)
        #expect(transport.counters.value(.handshakeTimeouts) == 0)

        clock.advance(by: .seconds(2))
        #expect(await eventually { connection.phase == .closed })
        #expect(transport.counters.value(.handshakeTimeouts) == 1)
        let reason = await Self.onLoop(group.loops[0]) { connection.closeReason }
        #expect(reason?.code == .protocolViolation)
        #expect(reason?.message.contains("stream layer's handshake") == true, "\(String(describing: reason))")
    }

    /// The same on the accepting side: a peer that never completes the layer's handshake is
    /// closed at the deadline, its plain hello never seen by the connection.
    @Test func anAcceptorsLayerHandshakeIsBoundByTheDeadlineToo() async throws {
        let clock = ManualClock()
        let group = EventLoopGroup(loopCount: 1, clock: clock)
        defer { group.shutdown() }
        var configuration = TransportConfiguration(
            cluster: "test", node: NodeId(uncheckedValid: "server"), generation: 1, listen: NodeAddress(uncheckedHost: "127.0.0.1", port: 0))
        configuration.clock = clock
        configuration.limits.handshakeTimeout = .seconds(5)
        let counters = XORCounters()
        configuration.streamLayer = XORSession.layer(key: 1, counters: counters)
        let transport = Transport(configuration: configuration, group: group, log: { _, _ in })
        defer { transport.shutdown() }
        try transport.start()

        let raw = try RawClient(port: try #require(transport.listeningPort))
        raw.send(Array("XO".utf8))  // half a greeting, then nothing
        #expect(await eventually { transport.counters.value(.connectionsAccepted) == 1 })
        _ = await Self.onLoop(group.loops[0]) {}  // after the job that accepted and attached
        clock.advance(by: .seconds(6))
        let outcome = await raw.readUntilClosed(timeoutMilliseconds: 5000)
        #expect(outcome.closed)
        #expect(outcome.bytes.isEmpty)
        #expect(await eventually { transport.counters.value(.handshakeTimeouts) == 1 })
        #expect(counters.opened.load(ordering: .relaxed) == 0)
    }

    /// Back-pressure through the layer: the server holds its reads, so its layered stream
    /// pauses the socket under it (its session sees none of the bytes meanwhile); the client's
    /// stream backs up past its high water mark and its sender waits for space. Once the server
    /// reads again, the layer hands over what it held, every message arrives in order, and the
    /// client's writability (reported through its layer) lets the sender finish.
    /// Run without the layer too, as the control.
    @Test(arguments: [true, false]) func pausedReadingPushesBackThroughTheLayerAndResumes(layered: Bool) async throws {
        let serverCounters = XORCounters()
        let server = try TransportFixture { $0.streamLayer = layered ? XORSession.layer(key: 0x33, counters: serverCounters) : nil }
        defer { server.shutdown() }
        let delegate = Self.serve(server)
        let softMax = 64 * 1024
        let (group, client) = Self.client(layer: layered ? XORSession.layer(key: 0x33, counters: XORCounters()) : nil, port: server.port) {
            $0.limits.outboundQueueBytesSoftMax = softMax
            $0.compression = false  // the payloads must take room on the wire
        }
        defer {
            client.shutdown()
            group.shutdown()
        }
        #expect(await eventually { client.connectedPeers.count == 1 })
        let connection = try client.connection(to: NodeId(uncheckedValid: "server"))
        let serverConnection = try #require(server.transport.state.withLock { Array($0.connections.values) }.first)
        serverConnection.holdReading()
        _ = await Self.onLoop(serverConnection.loop) {}
        let openedAtHold = serverCounters.opened.load(ordering: .relaxed)

        let total = 1_000
        let sent = Atomic<Int>(0)
        let waiting = Atomic<Bool>(false)
        let sender = Task {
            let payload = [UInt8](repeating: 7, count: 16 * 1024)
            for id in 0..<total {
                if connection.isBackPressured {
                    waiting.store(true, ordering: .relaxed)
                    try await connection.waitForSpace()
                    waiting.store(false, ordering: .relaxed)
                }
                try connection.send(OutboundMessage(kind: .oneway, messageID: UInt64(id), payload: payload))
                sent.add(1, ordering: .relaxed)
            }
        }
        // Stuck: the sender waits, and the client's stream holds more than its high water mark
        // (the kernels' buffers are full), which only a peer that is not reading leaves there.
        var stuck = false
        for _ in 0..<2_000 where !stuck {
            let pending = await Self.onLoop(connection.loop) { connection.stream?.pendingWriteBytes ?? 0 }
            stuck = waiting.load(ordering: .relaxed) && pending > softMax
            if !stuck { try await Task.sleep(for: .milliseconds(5)) }
        }
        #expect(stuck, "the client never backed up (sent \(sent.load(ordering: .relaxed)))")
        #expect(sent.load(ordering: .relaxed) < total)
        #expect(serverCounters.opened.load(ordering: .relaxed) == openedAtHold, "the server's layer read while held")
        if layered { #expect(openedAtHold > 0) }
        #expect(delegate.oneWayIDs.withLock { $0.isEmpty })

        serverConnection.releaseReading()
        try await sender.value
        #expect(await eventually(timeout: .seconds(20)) { delegate.oneWayIDs.withLock { $0.count } == total })
        #expect(delegate.oneWayIDs.withLock { $0 } == (0..<UInt64(total)).map { $0 })
    }
}
