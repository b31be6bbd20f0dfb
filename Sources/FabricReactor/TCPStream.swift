import CFabricShims
import FabricCore

/// A connected, non-blocking TCP socket on one event loop.
///
/// Confined to its loop: every method and property except `loop` and the addresses must be
/// used on `loop`'s thread (checked with preconditions). A stream comes from
/// `TCPStream.connect` or a `TCPListener`; its owner sets `delegate`, then calls `start()`.
///
/// The stream holds its delegate strongly while it is open and lets go after
/// `streamDidClose` (so a connection object may be owned by its stream, and the cycle ends with
/// the close). The loop holds a started stream until it closes.
///
/// Output is queued by `write` and sent at the end of the loop turn in one `sendmsg` together
/// with everything else written to the stream that turn. If the kernel takes only part, the
/// stream waits for `EPOLLOUT` (registered only then) and sends the rest. Input is read until
/// the socket is drained or `Limits.streamReadsPerTurnMax` reads were made; the loop uses
/// level-triggered epoll, so a stream cut short by that budget is simply called again next
/// turn, and one busy peer cannot starve the others.
package final class TCPStream: @unchecked Sendable {
    /// The loop the stream lives on.
    package let loop: EventLoop
    /// Told about input, writability and the close; held strongly until the close.
    package var delegate: (any ByteStreamDelegate)?
    /// The peer's address, without brackets for IPv6.
    package let remoteHost: String
    /// The peer's port.
    package let remotePort: UInt16
    /// The local port of the connection.
    package let localPort: UInt16

    /// `isWritable` turns false when this many bytes are queued (default: the outbound soft
    /// limit, the point at which callers should be suspended).
    package private(set) var writeBufferHighWaterBytes = Limits.default.outboundQueueBytesSoftMax
    /// `isWritable` turns true again once queued bytes fall to this many.
    package private(set) var writeBufferLowWaterBytes = Limits.default.outboundQueueBytesSoftMax / 2
    /// How long `close()` waits for queued output to leave before giving up.
    package var drainTimeout = Limits.default.drainTimeout

    /// False from the moment queued output reaches the high water mark until it is back down to
    /// the low water mark.
    @exclusivity(unchecked) package internal(set) var isWritable = true
    /// Counters for statistics and tests.
    @exclusivity(unchecked) package internal(set) var statistics = Statistics()

    @exclusivity(unchecked) var descriptor: Int32
    @exclusivity(unchecked) var state = State.idle
    @exclusivity(unchecked) var registrationKey: UInt64?
    /// The epoll events currently registered.
    @exclusivity(unchecked) var interest: UInt32 = 0
    @exclusivity(unchecked) var isReadingPaused = false
    @exclusivity(unchecked) var isFlushScheduled = false
    @exclusivity(unchecked) var outbound = OutboundQueue()
    var drainTimer: TimerHandle?

    enum State {
        /// Made but not started: not watched by epoll yet.
        case idle
        /// Reading and writing.
        case active
        /// `close()` was called: sending what is queued, then closing.
        case closing
        /// Closed; the descriptor is released.
        case closed
    }

    /// What a stream counts.
    package struct Statistics: Sendable, Hashable {
        /// Bytes read from the socket.
        package var bytesRead = 0
        /// Bytes handed to the kernel.
        package var bytesWritten = 0
        /// `sendmsg` calls made.
        package var writeCalls = 0
        /// Sends the kernel took only part of (the stream then waited for `EPOLLOUT`).
        package var partialWrites = 0
    }

    /// Wraps a connected socket; `remote` is the peer's address. On `loop`'s thread.
    init(descriptor: Int32, loop: EventLoop, remote: SocketAddress) {
        self.loop = loop
        self.descriptor = descriptor
        (remoteHost, remotePort) = remote.hostAndPort
        localPort = Socket.localPort(of: descriptor)
        _ = cfabric_set_no_delay(descriptor, 1)
    }

    deinit {
        // Only a stream that was never started (nor closed) still has its descriptor here: a
        // started one is kept alive by its loop until it closes.
        if descriptor >= 0 { Socket.close(descriptor) }
    }

    /// `host:port` of the peer (`[host]:port` for IPv6).
    package var remoteAddress: String {
        remoteHost.contains(":") ? "[\(remoteHost)]:\(remotePort)" : "\(remoteHost):\(remotePort)"
    }

    /// Whether the stream is open: not closed yet, not closing.
    package var isOpen: Bool {
        loop.assertInEventLoop()
        return state == .idle || state == .active
    }

    /// Starts reading (and sends anything written before). Call once, after setting `delegate`.
    package func start() {
        loop.assertInEventLoop()
        precondition(delegate != nil, "TCPStream.start() before a delegate was set (\(remoteAddress))")
        guard state == .idle else {
            precondition(state == .closed, "TCPStream.start() called twice (\(remoteAddress))")
            return
        }
        let key = loop.addHandler(self)
        registrationKey = key
        interest = CFABRIC_EPOLLIN
        let result = loop.watch(descriptor, key: key, events: interest)
        guard result == 0 else {
            close(error: ReactorError(.socketFailed, systemCall: "epoll_ctl", errno: -result))
            return
        }
        state = .active
        if !outbound.isEmpty { scheduleFlush() }
    }

    /// Sets both water marks (`0 <= lowBytes <= highBytes`); reports a writability change at
    /// once if what is queued is now on the other side of them.
    package func setWriteBufferWaterMarks(lowBytes: Int, highBytes: Int) {
        loop.assertInEventLoop()
        precondition(
            lowBytes >= 0 && lowBytes <= highBytes,
            "write buffer water marks need 0 <= low <= high, got low \(lowBytes), high \(highBytes)")
        writeBufferLowWaterBytes = lowBytes
        writeBufferHighWaterBytes = highBytes
        checkWaterMarks()
    }

    /// Stops reading until `resumeReading()` (back-pressure on the peer through TCP's window).
    package func pauseReading() {
        loop.assertInEventLoop()
        isReadingPaused = true
        updateInterest()
    }

    /// Reads again after `pauseReading()`.
    package func resumeReading() {
        loop.assertInEventLoop()
        isReadingPaused = false
        updateInterest()
    }

    /// Turns Nagle's algorithm off (`true`, the default for Fabric's streams) or on. Returns
    /// whether the option took effect.
    @discardableResult
    package func setNoDelay(_ on: Bool) -> Bool {
        loop.assertInEventLoop()
        return descriptor >= 0 && cfabric_set_no_delay(descriptor, on ? 1 : 0) == 0
    }

    /// Caps the bytes the kernel keeps queued but unsent (`TCP_NOTSENT_LOWAT`), so urgent
    /// frames queued in user space are not stuck behind megabytes in the kernel (DESIGN.md §5).
    /// Returns whether the option took effect.
    @discardableResult
    package func setNotSentLowAt(_ bytes: Int) -> Bool {
        loop.assertInEventLoop()
        precondition(bytes > 0, "TCP_NOTSENT_LOWAT must be positive, got \(bytes)")
        return descriptor >= 0 && cfabric_set_not_sent_low_at(descriptor, Int32(clamping: bytes)) == 0
    }

    /// Registers the epoll events the state calls for: input while active and not paused,
    /// output while bytes wait for room in the kernel.
    func updateInterest(wantsOutput: Bool? = nil) {
        guard let key = registrationKey, state == .active || state == .closing else { return }
        let isOutputWanted = wantsOutput ?? (interest & CFABRIC_EPOLLOUT != 0)
        var wanted: UInt32 = 0
        if state == .active && !isReadingPaused { wanted |= CFABRIC_EPOLLIN }
        if isOutputWanted { wanted |= CFABRIC_EPOLLOUT }
        guard wanted != interest else { return }
        interest = wanted
        loop.rewatch(descriptor, key: key, events: wanted)
    }
}

extension TCPStream: ByteStream {
    /// A TCP stream carries its owner's bytes from `start()` on.
    package var isEstablished: Bool {
        loop.assertInEventLoop()
        return state == .active || state == .closing
    }

    /// `statistics.bytesWritten`.
    package var bytesWritten: Int { statistics.bytesWritten }
}

extension TCPStream: LoopEventHandler {
    func handleEvents(_ events: UInt32) {
        let hangUpOrError = CFABRIC_EPOLLHUP | CFABRIC_EPOLLERR
        if state == .active, events & (CFABRIC_EPOLLIN | hangUpOrError) != 0 {
            // A hang-up or error is read too (even while paused): the read reports it.
            readAvailable(ignoringPause: events & hangUpOrError != 0)
        }
        if state == .active || state == .closing, events & CFABRIC_EPOLLOUT != 0 {
            flushNow()
        }
        if state == .closing, events & hangUpOrError != 0 {
            finishClose(error: pendingSocketError() ?? ReactorError(.connectionReset, "peer hung up while output was queued"))
        }
    }

    func closeForShutdown() {
        if state == .active || state == .closing { flushNow() }
        if state != .closed { finishClose(error: ReactorError(.shutdown, "event loop shut down")) }
    }

    /// The socket's pending error (`SO_ERROR`), if any.
    func pendingSocketError() -> ReactorError? {
        let value = cfabric_socket_error(descriptor)
        return value > 0 ? ReactorError.read(errno: value) : nil
    }
}
