import CFabricShims
import FabricCore
import Glibc
import Synchronization

/// A listening TCP socket. It lives on one loop of its group, accepts there, and hands each
/// accepted stream to the group's loops in turn, calling `onAccept` ON the stream's loop with a
/// stream that is not started yet.
///
/// Sockets are `SO_REUSEADDR`. Accepts run until `EAGAIN` or `Limits.listenerAcceptsPerTurnMax`
/// per turn. When the process runs out of descriptors or memory the listener stops polling for
/// `acceptBackoff`, then resumes (see `AcceptErrorPolicy`). The loop holds the listener until it
/// is closed or the loop shuts down.
package final class TCPListener: @unchecked Sendable {
    /// The port the listener is bound to (the chosen one when bound to port 0).
    package let localPort: UInt16
    /// The loop that accepts.
    package let loop: EventLoop
    let descriptor: Int32
    let targetLoops: [EventLoop]
    let acceptBackoff: Duration
    let onAccept: @Sendable (TCPStream) -> Void
    let acceptErrors = Atomic<Int>(0)
    let backoffs = Atomic<Int>(0)
    let acceptedConnections = Atomic<Int>(0)
    let injectedFailures = Mutex<(errno: Int32, count: Int)>((0, 0))

    // Loop-confined.
    var handlerKey: UInt64?
    var isClosed = false
    var isBackingOff = false
    var backoffTimer: TimerHandle?
    var nextTargetIndex = 0

    /// Binds `host:port` (a numeric address, `localhost`, or a name resolved here, blocking the
    /// caller) and listens; the listener then accepts on one of `group`'s loops. Port 0 picks a
    /// free port (see `localPort`). Throws `bindFailed`, `socketFailed`, `resolveFailed`, or
    /// `shutdown` if the group has stopped.
    package static func bind(
        host: String, port: UInt16, group: EventLoopGroup, backlog: Int32 = 1024,
        acceptBackoff: Duration, onAccept: @escaping @Sendable (TCPStream) -> Void
    ) throws(ReactorError) -> TCPListener {
        let address = try SocketAddress.resolve(host: host, port: port).get()
        let descriptor = try Socket.makeTCP(family: address.family).get()
        do throws(ReactorError) {
            try configureAndListen(descriptor, address: address, backlog: backlog, description: "\(host):\(port)")
        } catch {
            Socket.close(descriptor)
            throw error
        }
        let listener = TCPListener(
            descriptor: descriptor, loop: group.next(), targetLoops: group.loops,
            acceptBackoff: acceptBackoff, onAccept: onAccept)
        try listener.startAccepting()
        return listener
    }

    private static func configureAndListen(
        _ descriptor: Int32, address: SocketAddress, backlog: Int32, description: String
    ) throws(ReactorError) {
        var storage = address.storage
        _ = cfabric_set_reuse_address(descriptor, 1)
        let bound = cfabric_bind(descriptor, &storage, address.length)
        guard bound == 0 else { throw ReactorError(.bindFailed, systemCall: "bind \(description)", errno: -bound) }
        let listening = cfabric_listen(descriptor, backlog)
        guard listening == 0 else {
            throw ReactorError(.bindFailed, systemCall: "listen \(description)", errno: -listening)
        }
    }

    private init(
        descriptor: Int32, loop: EventLoop, targetLoops: [EventLoop], acceptBackoff: Duration,
        onAccept: @escaping @Sendable (TCPStream) -> Void
    ) {
        self.descriptor = descriptor
        self.loop = loop
        self.targetLoops = targetLoops
        self.acceptBackoff = acceptBackoff
        self.onAccept = onAccept
        localPort = Socket.localPort(of: descriptor)
    }

    /// Registers with the accepting loop (on it, or queued to it).
    private func startAccepting() throws(ReactorError) {
        if loop.inEventLoop {
            registerOnLoop()
            return
        }
        guard loop.submitFromOtherThread(.closure { self.registerOnLoop() }) else {
            Socket.close(descriptor)
            throw ReactorError(.shutdown, "event loop group is shut down")
        }
    }

    private func registerOnLoop() {
        guard !isClosed else { return }
        let key = loop.addHandler(self)
        handlerKey = key
        let result = loop.watch(descriptor, key: key, events: CFABRIC_EPOLLIN)
        if result != 0 {
            acceptErrors.wrappingAdd(1, ordering: .relaxed)
            closeOnLoop()
        }
    }

    /// Stops listening and closes the socket. Callable from any thread; idempotent. Streams
    /// already accepted are not affected.
    package func close() {
        if loop.inEventLoop {
            closeOnLoop()
        } else {
            loop.execute { self.closeOnLoop() }
        }
    }

    func closeOnLoop() {
        guard !isClosed else { return }
        isClosed = true
        backoffTimer?.cancel()
        backoffTimer = nil
        if let handlerKey {
            loop.unwatch(descriptor)
            loop.removeHandler(handlerKey)
        }
        handlerKey = nil
        Socket.close(descriptor)
    }

    /// Failed accepts so far (all kinds, backoffs included).
    package var acceptErrorCount: Int { acceptErrors.load(ordering: .relaxed) }
    /// Times the listener stopped polling because the process was out of a resource.
    package var backoffCount: Int { backoffs.load(ordering: .relaxed) }
    /// Connections accepted so far.
    package var acceptedCount: Int { acceptedConnections.load(ordering: .relaxed) }

    /// For tests: the next `count` accepts fail with `errno` before calling the kernel (lowering
    /// `RLIMIT_NOFILE` would hit every test in the process).
    package func injectAcceptFailures(errno value: Int32, count: Int) {
        injectedFailures.withLock { $0 = (value, count) }
    }
}
