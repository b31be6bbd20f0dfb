import FabricCore
import FabricReactor
import Glibc
import Testing

@Suite struct StreamTests {
    /// Many clients over two loops echo patterned data of many write sizes; every byte comes
    /// back in order.
    @Test func echoOverManyStreams() async throws {
        let group = EventLoopGroup(loopCount: 2)
        defer { group.shutdown() }
        let (listener, server) = try makeServer(group: group) { _, delegate in
            delegate.echoes = true
            return true
        }
        defer { listener.close() }
        let streamCount = 16
        let bytesPerStream = 256 * 1024
        var clients: [(TCPStream, RecordingDelegate, [UInt8])] = []
        for index in 0..<streamCount {
            let (stream, delegate) = try await connectClient(port: listener.localPort, on: group.next())
            let payload = patternBytes(count: bytesPerStream, seed: UInt64(index))
            clients.append((stream, delegate, payload))
        }
        for (stream, _, payload) in clients {
            await onLoop(stream.loop) {
                var offset = 0
                var size = 1
                while offset < payload.count {
                    let end = min(payload.count, offset + size)
                    payload[offset..<end].withUnsafeBytes { stream.write($0) }
                    offset = end
                    size = size * 3 % 70_001 + 1
                }
            }
        }
        for (stream, delegate, payload) in clients {
            let complete = await eventually { await onLoop(stream.loop) { delegate.received.count >= payload.count } }
            #expect(complete)
            let received = await onLoop(stream.loop) { delegate.received }
            #expect(received == payload)
        }
        #expect(server.count == streamCount)
        let loopsUsed = Set(server.accepted.map { $0.0.loop.index })
        #expect(loopsUsed == [0, 1])
        for (stream, _, _) in clients { await onLoop(stream.loop) { stream.close() } }
    }

    /// One large write does not fit the kernel's buffer: the stream sends part, waits for
    /// EPOLLOUT, and sends the rest; the bytes arrive intact.
    @Test func largeWritesArePartialAndCompleteThroughWritableEvents() async throws {
        let group = EventLoopGroup(loopCount: 2)
        defer { group.shutdown() }
        let (listener, server) = try makeServer(group: group)
        defer { listener.close() }
        let (stream, _) = try await connectClient(port: listener.localPort, on: group.loops[0])
        let payload = patternBytes(count: 16 * 1024 * 1024, seed: 99)
        let arrayPayload = patternBytes(count: 3 * 1024 * 1024, seed: 100)
        await onLoop(stream.loop) {
            payload.withUnsafeBytes { stream.write($0) }
            stream.write(arrayPayload)
            stream.write([1, 2, 3])
        }
        let total = payload.count + arrayPayload.count + 3
        #expect(await eventually { server.count == 1 })
        let (serverStream, serverDelegate) = server.accepted[0]
        #expect(await eventually { await onLoop(serverStream.loop) { serverDelegate.received.count >= total } })
        let received = await onLoop(serverStream.loop) { serverDelegate.received }
        #expect(received == payload + arrayPayload + [1, 2, 3])
        let statistics = await onLoop(stream.loop) { stream.statistics }
        #expect(statistics.bytesWritten == total)
        #expect(statistics.partialWrites > 0)
        #expect(await onLoop(stream.loop) { stream.pendingWriteBytes } == 0)
    }

    /// Output queued past the high water mark makes the stream unwritable until the peer reads
    /// it down to the low water mark.
    @Test func writabilityFollowsTheWaterMarks() async throws {
        let group = EventLoopGroup(loopCount: 2)
        defer { group.shutdown() }
        let (listener, server) = try makeServer(group: group) { stream, _ in
            stream.start()
            stream.pauseReading()
            return false
        }
        defer { listener.close() }
        let (stream, delegate) = try await connectClient(port: listener.localPort, on: group.loops[0])
        let chunk = [UInt8](repeating: 7, count: 64 * 1024)
        let (isWritable, changes) = await onLoop(stream.loop) { () -> (Bool, [Bool]) in
            stream.setWriteBufferWaterMarks(lowBytes: 64 * 1024, highBytes: 256 * 1024)
            for _ in 0..<4 { stream.write(chunk) }
            return (stream.isWritable, delegate.writabilityChanges)
        }
        #expect(!isWritable)
        #expect(changes == [false])
        #expect(await eventually { server.count == 1 })
        // Fill the kernel's buffers so output stays queued in the stream.
        await onLoop(stream.loop) { for _ in 0..<256 { stream.write(chunk) } }
        #expect(await eventually { await onLoop(stream.loop) { stream.pendingWriteBytes > 64 * 1024 } })
        let (serverStream, serverDelegate) = server.accepted[0]
        await onLoop(serverStream.loop) { serverStream.resumeReading() }
        #expect(await eventually { await onLoop(stream.loop) { stream.isWritable } })
        // Alternating changes, starting unwritable and ending writable (how many rounds depends
        // on how much the kernel took before the second batch of writes).
        let changes2 = await onLoop(stream.loop) { delegate.writabilityChanges }
        #expect(changes2.count >= 2 && changes2.count % 2 == 0)
        #expect(changes2.enumerated().allSatisfy { $0.element == ($0.offset % 2 == 1) })
        #expect(await eventually { await onLoop(serverStream.loop) { serverDelegate.received.count == 260 * chunk.count } })
    }

    /// The peer resets the connection while we have megabytes queued: no SIGPIPE, and the
    /// stream reports an error exactly once.
    @Test func peerClosingMidWriteReportsAnError() async throws {
        let group = EventLoopGroup(loopCount: 2)
        defer { group.shutdown() }
        let (listener, server) = try makeServer(group: group) { stream, _ in
            stream.start()
            stream.pauseReading()
            return false
        }
        defer { listener.close() }
        let (stream, delegate) = try await connectClient(port: listener.localPort, on: group.loops[0])
        let chunk = [UInt8](repeating: 1, count: 1024 * 1024)
        await onLoop(stream.loop) { for _ in 0..<16 { stream.write(chunk) } }
        #expect(await eventually { server.count == 1 })
        // The kernel has taken some of the output, so the paused server has unread input.
        #expect(await eventually { await onLoop(stream.loop) { stream.pendingWriteBytes < 16 * chunk.count } })
        let (serverStream, _) = server.accepted[0]
        // Closing with unread input makes the kernel send a reset.
        await onLoop(serverStream.loop) { serverStream.close(error: ReactorError(.shutdown, "test")) }
        await onLoop(stream.loop) { for _ in 0..<4 { stream.write(chunk) } }
        #expect(await eventually { await onLoop(stream.loop) { delegate.closeCount == 1 } })
        let (error, count) = await onLoop(stream.loop) { (delegate.closeError, delegate.closeCount) }
        #expect(error?.code == .connectionReset, "\(String(describing: error))")
        #expect(count == 1)
        #expect(await onLoop(stream.loop) { !stream.isOpen && stream.pendingWriteBytes == 0 })
    }

    /// `close()` sends everything queued first; the peer sees all bytes and then end of stream,
    /// and both delegates hear of an orderly close.
    @Test func gracefulCloseFlushesThenCloses() async throws {
        let group = EventLoopGroup(loopCount: 2)
        defer { group.shutdown() }
        let (listener, server) = try makeServer(group: group)
        defer { listener.close() }
        let (stream, delegate) = try await connectClient(port: listener.localPort, on: group.loops[0])
        let payload = patternBytes(count: 8 * 1024 * 1024, seed: 5)
        await onLoop(stream.loop) {
            stream.write(payload)
            stream.close()
            stream.write([9, 9, 9])  // dropped: the stream is closing
        }
        #expect(await eventually { server.count == 1 })
        let (serverStream, serverDelegate) = server.accepted[0]
        #expect(await eventually { await onLoop(serverStream.loop) { serverDelegate.closeCount == 1 } })
        let (received, serverError) = await onLoop(serverStream.loop) { (serverDelegate.received, serverDelegate.closeError) }
        #expect(received == payload)
        #expect(serverError == nil)
        #expect(await onLoop(stream.loop) { (delegate.closeCount, delegate.closeError == nil) } == (1, true))
    }

    /// A close that cannot drain in time reports `drainTimeout`.
    @Test func gracefulCloseGivesUpAfterTheDrainTimeout() async throws {
        let group = EventLoopGroup(loopCount: 2)
        defer { group.shutdown() }
        let (listener, _) = try makeServer(group: group) { stream, _ in
            stream.start()
            stream.pauseReading()
            return false
        }
        defer { listener.close() }
        let (stream, delegate) = try await connectClient(port: listener.localPort, on: group.loops[0])
        let chunk = [UInt8](repeating: 3, count: 1024 * 1024)
        await onLoop(stream.loop) {
            stream.drainTimeout = .milliseconds(100)
            for _ in 0..<64 { stream.write(chunk) }
            stream.close()
        }
        #expect(await eventually { await onLoop(stream.loop) { delegate.closeCount == 1 } })
        #expect(await onLoop(stream.loop) { delegate.closeError?.code } == .drainTimeout)
    }

    /// `close(error:)` is immediate, reports that error once, and later closes do nothing.
    @Test func closeWithErrorIsImmediateAndReportedOnce() async throws {
        let group = EventLoopGroup(loopCount: 1)
        defer { group.shutdown() }
        let (listener, server) = try makeServer(group: group)
        defer { listener.close() }
        let (stream, delegate) = try await connectClient(port: listener.localPort, on: group.loops[0])
        let reported = await onLoop(stream.loop) { () -> (Int, ReactorError.Code?) in
            stream.write([1, 2, 3])
            stream.close(error: ReactorError(.writeFailed, "test"))
            stream.close()
            stream.close(error: ReactorError(.readFailed, "again"))
            return (delegate.closeCount, delegate.closeError?.code)
        }
        #expect(reported.0 == 1)
        #expect(reported.1 == .writeFailed)
        // The peer sees end of stream, and none of the dropped bytes.
        #expect(await eventually { server.count == 1 })
        let (serverStream, serverDelegate) = server.accepted[0]
        #expect(await eventually { await onLoop(serverStream.loop) { serverDelegate.closeCount == 1 } })
        #expect(await onLoop(serverStream.loop) { serverDelegate.received.isEmpty && serverDelegate.closeError == nil })
    }

    /// A delegate that reads straight into its own buffer through `streamRead(_:using:)`.
    final class OwnBufferDelegate: ByteStreamDelegate, @unchecked Sendable {
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        var filled = 0
        var largestRead = 0
        var closed = false

        func streamRead(_ stream: any ByteStream, using read: (UnsafeMutableRawBufferPointer) -> Int) {
            if filled == buffer.count { buffer.append(contentsOf: [UInt8](repeating: 0, count: buffer.count)) }
            let count = buffer.withUnsafeMutableBytes { read(UnsafeMutableRawBufferPointer(rebasing: $0[filled...])) }
            filled += count
            largestRead = max(largestRead, count)
        }

        func streamWritabilityChanged(_ stream: any ByteStream, isWritable: Bool) {}
        func streamDidClose(_ stream: any ByteStream, error: ReactorError?) { closed = true }
    }

    @Test func delegatesCanReadIntoTheirOwnBuffers() async throws {
        let group = EventLoopGroup(loopCount: 2)
        defer { group.shutdown() }
        let delegate = OwnBufferDelegate()
        let listener = try TCPListener.bind(
            host: "127.0.0.1", port: 0, group: group, acceptBackoff: .milliseconds(10)
        ) { stream in
            stream.delegate = delegate
            stream.start()
        }
        defer { listener.close() }
        let (client, _) = try await connectClient(port: listener.localPort, on: group.loops[0])
        let payload = patternBytes(count: 3 * 1024 * 1024 + 17, seed: 11)
        await onLoop(client.loop) {
            client.write(payload)
            client.close()
        }
        #expect(await eventually { await onLoop(group.loops[1]) { delegate.closed } })
        let received = await onLoop(group.loops[1]) { Array(delegate.buffer[..<delegate.filled]) }
        #expect(received == payload)
    }

    /// Output written before `start()` goes out once the stream starts.
    @Test func writesBeforeStartAreSentOnStart() async throws {
        let group = EventLoopGroup(loopCount: 1)
        defer { group.shutdown() }
        let (listener, server) = try makeServer(group: group)
        defer { listener.close() }
        let stream = try await connect(port: listener.localPort, on: group.loops[0]).get()
        await onLoop(stream.loop) { stream.write([1, 2, 3]) }
        #expect(await eventually { server.count == 1 })
        let (serverStream, serverDelegate) = server.accepted[0]
        // Nothing may arrive before `start()`. A negative check: a round trip through both
        // loops gives a wrong early send its chance to land; no wait can make it fail falsely.
        await onLoop(stream.loop) {}
        await onLoop(serverStream.loop) {}
        #expect(await onLoop(serverStream.loop) { serverDelegate.received.isEmpty })
        await onLoop(stream.loop) {
            stream.delegate = RecordingDelegate()
            stream.start()
        }
        #expect(await eventually { await onLoop(serverStream.loop) { serverDelegate.received == [1, 2, 3] } })
    }

    /// A stream whose owner dropped the delegate still notices the peer closing (and does not
    /// spin on the unread socket).
    @Test func aStreamWithoutADelegateStillSeesTheEnd() async throws {
        let group = EventLoopGroup(loopCount: 1)
        defer { group.shutdown() }
        let (listener, server) = try makeServer(group: group)
        defer { listener.close() }
        let (stream, _) = try await connectClient(port: listener.localPort, on: group.loops[0])
        await onLoop(stream.loop) { stream.delegate = nil }
        #expect(await eventually { server.count == 1 })
        let (serverStream, _) = server.accepted[0]
        await onLoop(serverStream.loop) {
            serverStream.write([UInt8](repeating: 5, count: 1000))
            serverStream.close()
        }
        #expect(await eventually { await onLoop(stream.loop) { !stream.isOpen } })
    }

    @Test func streamsKnowTheirAddresses() async throws {
        let group = EventLoopGroup(loopCount: 1)
        defer { group.shutdown() }
        let (listener, server) = try makeServer(group: group)
        defer { listener.close() }
        let (stream, _) = try await connectClient(port: listener.localPort, on: group.loops[0])
        #expect(stream.remoteHost == "127.0.0.1")
        #expect(stream.remotePort == listener.localPort)
        #expect(stream.remoteAddress == "127.0.0.1:\(listener.localPort)")
        #expect(await eventually { server.count == 1 })
        #expect(server.accepted[0].0.remotePort == stream.localPort)
        #expect(await onLoop(stream.loop) { stream.setNoDelay(true) && stream.setNotSentLowAt(16 * 1024) })
    }
}
