import FabricCore
import FabricReactor
import Glibc
import Testing

/// `LayeredByteStream` on its own, over a real socket: identity pass-through, a session that
/// fails, and input held across a pause.
@Suite struct LayeredStreamTests {
    /// Reads at most `readBytesMax` bytes per `streamRead` into its own record, and can pause
    /// its stream after the first read. Loop-confined.
    final class SlowReader: ByteStreamDelegate, @unchecked Sendable {
        let readBytesMax: Int
        var pausesAfterFirstRead: Bool
        var received: [UInt8] = []
        var establishedCalls = 0
        var closeError: ReactorError?
        var closed = false
        /// Set by the test around `resumeReading()`: input must not arrive inside it.
        var insideResume = false
        var readsInsideResume = 0

        init(readBytesMax: Int, pausesAfterFirstRead: Bool = false) {
            self.readBytesMax = readBytesMax
            self.pausesAfterFirstRead = pausesAfterFirstRead
        }

        func streamRead(_ stream: any ByteStream, using read: (UnsafeMutableRawBufferPointer) -> Int) {
            if insideResume { readsInsideResume += 1 }
            var buffer = [UInt8](repeating: 0, count: readBytesMax)
            let count = buffer.withUnsafeMutableBytes { read($0) }
            received += buffer[..<count]
            if pausesAfterFirstRead, count > 0 {
                pausesAfterFirstRead = false
                stream.pauseReading()
            }
        }

        func streamDidEstablish(_ stream: any ByteStream) { establishedCalls += 1 }
        func streamDidClose(_ stream: any ByteStream, error: ReactorError?) {
            closed = true
            closeError = error
        }
    }

    /// A session that refuses whatever the peer sends.
    final class RefusingSession: StreamSession, @unchecked Sendable {
        var isEstablished: Bool { true }
        func start(wire: inout [UInt8]) throws(ReactorError) {}
        func receive(_ bytes: UnsafeRawBufferPointer, plain: inout [UInt8], wire: inout [UInt8]) throws(ReactorError) {
            throw ReactorError(.sessionFailed, "refused \(bytes.count) bytes")
        }
        func send(_ bytes: UnsafeRawBufferPointer, wire: inout [UInt8]) throws(ReactorError) {
            wire.append(contentsOf: bytes)
        }
    }

    /// An echo server, and a client stream layered with a session from `makeSession` and read by `reader`.
    static func layeredClient(
        session makeSession: @escaping @Sendable () -> any StreamSession, reader: SlowReader, group: EventLoopGroup
    ) async throws -> (TCPListener, ServerRecord, LayeredByteStream) {
        let (listener, server) = try makeServer(group: group) { _, delegate in
            delegate.echoes = true
            return true
        }
        let loop = group.next()
        let tcp = try await connect(port: listener.localPort, on: loop).get()
        let layered = await onLoop(loop) { () -> LayeredByteStream in
            let layered = LayeredByteStream(over: tcp, session: makeSession())
            layered.delegate = reader
            layered.start()
            return layered
        }
        return (listener, server, layered)
    }

    @Test func identityLayerPassesBytesBothWaysAndIsEstablishedAtStart() async throws {
        let group = EventLoopGroup(loopCount: 1)
        defer { group.shutdown() }
        let reader = SlowReader(readBytesMax: 4096)
        let (listener, _, layered) = try await Self.layeredClient(session: { IdentitySession() }, reader: reader, group: group)
        defer { listener.close() }
        let payload = patternBytes(count: 100_000, seed: 3)
        let established = await onLoop(layered.loop) { () -> Bool in
            payload.withUnsafeBytes { layered.write($0) }
            return layered.isEstablished
        }
        #expect(established)
        #expect(await eventually { await onLoop(layered.loop) { reader.received.count >= payload.count } })
        let outcome = await onLoop(layered.loop) { (reader.received == payload, reader.establishedCalls) }
        #expect(outcome.0)
        #expect(outcome.1 == 0, "a stream established at start must not report it later")
        await onLoop(layered.loop) { layered.close() }
        #expect(await eventually { await onLoop(layered.loop) { reader.closed && reader.closeError == nil } })
    }

    /// What the session produced beyond the owner's read before it paused waits in the layer
    /// and arrives after `resumeReading()`, on a later turn, in order.
    @Test func inputHeldAcrossAPauseArrivesAfterResumeNotInsideIt() async throws {
        let group = EventLoopGroup(loopCount: 1)
        defer { group.shutdown() }
        let reader = SlowReader(readBytesMax: 10, pausesAfterFirstRead: true)
        let (listener, _, layered) = try await Self.layeredClient(session: { IdentitySession() }, reader: reader, group: group)
        defer { listener.close() }
        let payload = patternBytes(count: 1_000, seed: 9)
        await onLoop(layered.loop) { payload.withUnsafeBytes { layered.write($0) } }
        #expect(await eventually { await onLoop(layered.loop) { reader.received.count == 10 } })
        // Paused: it stays at the first read's worth.
        let heldAt = await onLoop(layered.loop) { () -> Int in
            reader.insideResume = true
            layered.resumeReading()
            reader.insideResume = false
            return reader.received.count
        }
        #expect(heldAt == 10)
        #expect(await eventually { await onLoop(layered.loop) { reader.received.count >= payload.count } })
        let outcome = await onLoop(layered.loop) { (reader.received == payload, reader.readsInsideResume) }
        #expect(outcome.0)
        #expect(outcome.1 == 0)
    }

    @Test func aSessionErrorClosesTheStreamWithIt() async throws {
        let group = EventLoopGroup(loopCount: 1)
        defer { group.shutdown() }
        let reader = SlowReader(readBytesMax: 4096)
        let (listener, server, layered) = try await Self.layeredClient(session: { RefusingSession() }, reader: reader, group: group)
        defer { listener.close() }
        await onLoop(layered.loop) { layered.write([1, 2, 3]) }
        #expect(await eventually { await onLoop(layered.loop) { reader.closed } })
        #expect(await onLoop(layered.loop) { reader.closeError?.code } == .sessionFailed)
        #expect(await eventually { server.count == 1 })
        let (serverStream, serverDelegate) = server.accepted[0]
        #expect(await eventually { await onLoop(serverStream.loop) { serverDelegate.closeCount == 1 } })
    }
}
