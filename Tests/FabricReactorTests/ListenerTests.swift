import FabricCore
import FabricReactor
import Glibc
import Synchronization
import Testing

@Suite struct ListenerTests {
    @Test func acceptPolicyClassifiesErrors() {
        #expect(AcceptErrorPolicy.action(forErrno: EAGAIN) == .drained)
        #expect(AcceptErrorPolicy.action(forErrno: EINTR) == .retry)
        for value in [ECONNABORTED, EPROTO, EPERM, ENETUNREACH] {
            #expect(AcceptErrorPolicy.action(forErrno: value) == .skip)
        }
        for value in [EMFILE, ENFILE, ENOBUFS, ENOMEM, EBADF] {
            #expect(AcceptErrorPolicy.action(forErrno: value) == .backOff)
        }
    }

    /// Out of descriptors: the listener stops polling for the backoff period (no spinning), then
    /// accepts the waiting connection.
    @Test func runningOutOfDescriptorsBacksOffThenResumes() async throws {
        let group = EventLoopGroup(loopCount: 1)
        defer { group.shutdown() }
        let backoff = Duration.milliseconds(300)
        let acceptedAt = Mutex<ContinuousClock.Instant?>(nil)
        let (listener, server) = try makeServer(group: group, acceptBackoff: backoff) { _, _ in
            acceptedAt.withLock { $0 = ContinuousClock.now }
            return true
        }
        defer { listener.close() }
        listener.injectAcceptFailures(errno: EMFILE, count: 1)
        let started = ContinuousClock.now
        let client = RawSocket.startConnect(to: listener.localPort)
        defer { _ = Glibc.close(client) }
        #expect(await eventually { server.count == 1 })
        let accepted = try #require(acceptedAt.withLock { $0 })
        #expect(accepted - started >= backoff)
        #expect(listener.backoffCount == 1)
        #expect(listener.acceptErrorCount == 1)
        #expect(listener.acceptedCount == 1)
    }

    /// An aborted connection is counted and skipped; the next one is accepted at once.
    @Test func abortedConnectionsAreSkipped() async throws {
        let group = EventLoopGroup(loopCount: 1)
        defer { group.shutdown() }
        let (listener, server) = try makeServer(group: group, acceptBackoff: .seconds(60))
        defer { listener.close() }
        listener.injectAcceptFailures(errno: ECONNABORTED, count: 1)
        let client = RawSocket.startConnect(to: listener.localPort)
        defer { _ = Glibc.close(client) }
        #expect(await eventually { server.count == 1 })
        #expect(listener.acceptErrorCount == 1)
        #expect(listener.backoffCount == 0)
    }

    @Test func acceptedStreamsAreSpreadOverTheLoopsAndHandedOverOnThem() async throws {
        let group = EventLoopGroup(loopCount: 2)
        defer { group.shutdown() }
        let onOwnLoop = LoopBox<[Bool]>([])
        let listener = try TCPListener.bind(
            host: "127.0.0.1", port: 0, group: group, acceptBackoff: .milliseconds(10)
        ) { stream in
            let isOnLoop = stream.loop.inEventLoop
            group.loops[0].execute { onOwnLoop.value.append(isOnLoop) }
            stream.close()
        }
        defer { listener.close() }
        var clients: [Int32] = []
        for _ in 0..<6 { clients.append(RawSocket.startConnect(to: listener.localPort)) }
        defer { for client in clients { _ = Glibc.close(client) } }
        #expect(await eventually { await onLoop(group.loops[0]) { onOwnLoop.value.count == 6 } })
        #expect(await onLoop(group.loops[0]) { onOwnLoop.value.allSatisfy { $0 } })
        #expect(listener.acceptedCount == 6)
    }

    @Test func bindingAPortInUseFails() throws {
        let group = EventLoopGroup(loopCount: 1)
        defer { group.shutdown() }
        let taken = RawSocket(listenBacklog: 1)
        defer { taken.close() }
        #expect(throws: ReactorError.self) {
            try TCPListener.bind(host: "127.0.0.1", port: taken.port, group: group, acceptBackoff: .seconds(1)) { _ in }
        }
        do {
            _ = try TCPListener.bind(host: "127.0.0.1", port: taken.port, group: group, acceptBackoff: .seconds(1)) { _ in }
        } catch {
            #expect(error.code == .bindFailed)
            #expect(error.errno == EADDRINUSE)
        }
    }

    @Test func aClosedListenerRefusesConnections() async throws {
        let group = EventLoopGroup(loopCount: 1)
        defer { group.shutdown() }
        let (listener, server) = try makeServer(group: group)
        let port = listener.localPort
        listener.close()
        listener.close()
        // Closing is queued to the loop; once it ran, connecting is refused.
        await onLoop(group.loops[0]) {}
        let result = await connect(port: port, on: group.loops[0])
        switch result {
        case .failure(let error):
            #expect(error.code == .connectFailed)
        case .success(let stream):
            // With tests in parallel, another test's listener may have been given the freed
            // ephemeral port in between: then ours must not have accepted the connection.
            await onLoop(stream.loop) { stream.close() }
            await onLoop(group.loops[0]) {}
            #expect(server.count == 0, "the closed listener accepted a connection")
        }
    }
}
