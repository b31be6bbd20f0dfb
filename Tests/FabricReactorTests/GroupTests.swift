import FabricCore
import FabricReactor
import Synchronization
import Testing

@Suite struct GroupTests {
    /// Shutdown runs what was queued before it, then joins the threads; later work is dropped
    /// (and counted) instead of running.
    @Test func shutdownRunsQueuedWorkJoinsAndIsIdempotent() async {
        let group = EventLoopGroup(loopCount: 2)
        let ran = Atomic<Int>(0)
        for loop in group.loops {
            for _ in 0..<1_000 { loop.execute { ran.wrappingAdd(1, ordering: .relaxed) } }
        }
        group.shutdown()
        #expect(ran.load(ordering: .relaxed) == 2_000)
        group.shutdown()
        group.loops[0].execute { ran.wrappingAdd(1, ordering: .relaxed) }
        #expect(group.loops[0].droppedAfterShutdownCount == 1)
        #expect(ran.load(ordering: .relaxed) == 2_000)
    }

    @Test func concurrentShutdownsAllReturn() async {
        let group = EventLoopGroup(loopCount: 2)
        await withTaskGroup(of: Void.self) { tasks in
            for _ in 0..<8 { tasks.addTask { group.shutdown() } }
        }
        group.loops[1].execute {}
        #expect(group.loops[1].droppedAfterShutdownCount == 1)
    }

    /// From a loop thread shutdown cannot join its own thread: it asks the loops to stop and
    /// returns; a later call from outside joins.
    @Test func shutdownFromALoopThreadDoesNotDeadlock() async {
        let group = EventLoopGroup(loopCount: 2)
        let returned = await onLoop(group.loops[0]) { () -> Bool in
            group.shutdown()
            return true
        }
        #expect(returned)
        group.shutdown()
        group.loops[0].execute {}
        #expect(group.loops[0].droppedAfterShutdownCount == 1)
    }

    /// Open streams and listeners are closed by shutdown; stream delegates hear `shutdown`.
    @Test func shutdownClosesStreams() async throws {
        let group = EventLoopGroup(loopCount: 2)
        let (listener, server) = try makeServer(group: group)
        let (stream, delegate) = try await connectClient(port: listener.localPort, on: group.loops[0])
        #expect(await eventually { server.count == 1 })
        _ = stream
        group.shutdown()
        #expect(delegate.closeCount == 1)
        #expect(delegate.closeError?.code == .shutdown)
        let serverDelegate = server.accepted[0].1
        #expect(serverDelegate.closeCount == 1)
        #expect(serverDelegate.closeError?.code == .shutdown || serverDelegate.closeError == nil)
    }

    @Test func connectAttemptsFailWhenTheLoopShutsDown() async throws {
        let group = EventLoopGroup(loopCount: 1)
        let listener = RawSocket(listenBacklog: 0)
        defer { listener.close() }
        let fillers = (0..<4).map { _ in RawSocket.startConnect(to: listener.port) }
        #expect(RawSocket.waitUntilOneConnects(fillers))
        let outcome = LoopBox<ReactorError?>(nil)
        await onLoop(group.loops[0]) {
            TCPStream.connect(host: "127.0.0.1", port: listener.port, on: group.loops[0], timeout: .seconds(30)) {
                if case .failure(let error) = $0 { outcome.value = error }
            }
        }
        // The attempt is under way (started on the loop above); shutting down must end it.
        group.shutdown()
        for filler in fillers { RawSocket(descriptor: filler).close() }
        #expect(outcome.value?.code == .shutdown)
    }
}

extension RawSocket {
    /// Wraps an existing descriptor (to close it).
    init(descriptor: Int32) {
        self.descriptor = descriptor
        self.port = 0
    }
}
