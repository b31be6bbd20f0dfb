import FabricCore
import FabricReactor
import FabricWire
import Synchronization

/// One TCP connection to another node: handshake, framing, the outbound queue, replies to pending
/// calls and keepalive.
///
/// Data flows one way through it: bytes from the stream go into the `FrameDecoder`; each frame is
/// routed by kind (handshake → `Connection+Handshake`, reply → the pending call, call/one-way →
/// the transport's delegate, system → `Connection+System`). Outbound messages from any thread go
/// into a locked queue that the loop frames and writes once per turn, control traffic first.
/// Everything but `send`, `sendCall`, `cancelCall` and the counters is confined to `loop`.
///
/// Nothing refers to a connection weakly: a weak reference gives an object a side table, and
/// every retain and release of it then takes the runtime's slow path (a connection is retained
/// several times per call). Its timers hold it strongly instead; `close` cancels them all (the
/// handshake and keepalive timers, and each pending call's deadline as the call fails).
package final class Connection: @unchecked Sendable {
    /// Unique within this process, for logs and for telling connections apart.
    package let id: UInt64
    package let loop: EventLoop
    /// Whether this side dialed (it sends the hello) or accepted.
    package let isDialer: Bool
    /// Traffic counters: the connection's own until the handshake names the peer, then that
    /// peer's (which outlive connections, so reconnects add up). Loop-confined.
    @exclusivity(unchecked) var counters = PeerCounters()
    /// Strong: a connection keeps its transport alive until it closes (closing removes it from
    /// the transport's tables, which ends the cycle).
    let transport: Transport

    // Loop-confined state. Only the loop's thread touches it (asserted), so the runtime's
    // dynamic exclusivity checks (a thread-local lookup per access, about a tenth of the
    // receive path's time in profiles) are turned off for the hot fields.
    /// Where the connection is in its life. Changed only on the loop, but read from other
    /// threads too (the transport picks a peer's connection under its own lock, on a caller's
    /// thread or another connection's loop), so it lives in an atomic: a plain stored property
    /// read there was a data race.
    package internal(set) var phase: ConnectionPhase {
        get { ConnectionPhase(code: phaseCode.load(ordering: .acquiring)) }
        set { phaseCode.store(newValue.code, ordering: .releasing) }
    }
    private let phaseCode: Atomic<UInt8>
    /// The stream frames go through: TCP, or a layer over it (`TransportConfiguration.streamLayer`).
    @exclusivity(unchecked) var stream: ConnectionStream?
    @exclusivity(unchecked) var decoder: FrameDecoder
    @exclusivity(unchecked) var encoder: FrameEncoder
    var agreement: Agreement?
    /// Who is on the other side, known after the handshake. Set once on the loop, read from
    /// any thread (the transport's tie-breaks, logs), so it is published under a lock.
    package internal(set) var remote: RemotePeer? {
        get { publishedRemote.withLock { $0 } }
        set { publishedRemote.withLock { $0 = newValue } }
    }
    package var remoteNode: NodeId? { remote?.node }
    private let publishedRemote = Mutex<RemotePeer?>(nil)
    /// The address this connection was dialed to (dialers only).
    let dialedAddress: NodeAddress?
    @exclusivity(unchecked) var pendingCalls: [UInt64: PendingCall] = [:]
    var handshakeTimer: TimerHandle?
    /// Armed while reading is held because the peer is not taking this node's output.
    var outputStallTimer: TimerHandle?
    /// Whether this connection holds its reads because its output is over budget.
    @exclusivity(unchecked) var isHoldingForOutput = false
    /// When the first bytes of the frame still being received arrived (nil between frames).
    @exclusivity(unchecked) var partialFrameSince: Instant?
    var keepaliveTimer: TimerHandle?
    @exclusivity(unchecked) var lastReceived: Instant = .zero
    @exclusivity(unchecked) var lastSent: Instant = .zero
    var pingToken: UInt64 = 0
    /// How many layers above asked to stop reading (`holdReading`).
    @exclusivity(unchecked) var readHolds = 0
    @exclusivity(unchecked) var writeBuffer: [UInt8] = []
    /// What was taken from the queue but not yet handed to the stream, by priority.
    @exclusivity(unchecked) var lanes = OutboundLanes()
    /// What the flush being written took from the queue; empty between flushes (loop-confined).
    @exclusivity(unchecked) var flushBatch = OutboundBatch()
    /// The list a flush gathers framed payloads into before handing them to the transport's
    /// `PayloadBufferPool` (kept empty between flushes, with its capacity).
    @exclusivity(unchecked) var recycledPayloads: [[UInt8]] = []
    /// Where `sendReply` has a reply's payload written, reused from reply to reply.
    @exclusivity(unchecked) var replyPayload: [UInt8] = []
    /// Replies written since the stream last sent (`sendEarlyIfManyReplies`).
    @exclusivity(unchecked) var repliesSinceFlush = 0
    /// The hello this side sent (dialers), to check the welcome against.
    var sentHello: Hello?
    /// What the transport's delegate keeps for this connection (the actor system's receive
    /// caches and one-way mailboxes). Loop-confined; dropped with the connection.
    @exclusivity(unchecked) package var delegateState: AnyObject?
    /// Why the connection closed, once it has.
    package internal(set) var closeReason: FabricError?

    /// Shared with callers on other threads.
    let outbound = Mutex(OutboundQueue())
    /// Bytes the stream still holds unsent, as of the loop's last look (read by callers on
    /// other threads for back-pressure, so it lives in an atomic).
    let streamBacklog = Atomic<Int>(0)
    /// The outbound queue's byte count as of its last change, for `isBackPressured` to read
    /// without the lock.
    let queuedBytesHint = Atomic<Int>(0)
    /// The agreed frame limit once the handshake agreed on compression, else 0: callers read it
    /// to compress a large message on their own thread before queuing it
    /// (`prepareOffLoop`), so the loop never compresses megabytes in one go.
    let offLoopCompressionFrameBytesMax = Atomic<Int>(0)
    /// Incoming two-way calls running now, and the bytes their payloads hold (counted against
    /// `Limits.inboundCallsPerConnectionMax` and `inboundCallBytesPerConnectionMax`).
    package let inboundCallsRunning = Atomic<Int>(0)
    package let inboundCallBytesRunning = Atomic<Int>(0)

    init(id: UInt64, loop: EventLoop, transport: Transport, dialing address: NodeAddress?) {
        self.id = id
        self.loop = loop
        self.transport = transport
        self.isDialer = address != nil
        self.dialedAddress = address
        self.phaseCode = Atomic((address != nil ? ConnectionPhase.connecting : .handshaking).code)
        var decoder = FrameDecoder(frameBytesMax: Limits.handshakeBytesMax)
        decoder.acceptsCompression = false
        self.decoder = decoder
        self.encoder = FrameEncoder(
            frameBytesMax: Limits.handshakeBytesMax, checksum: false, compressionThresholdBytes: nil)
    }

    package var limits: Limits { transport.configuration.limits }

    // MARK: Phase changes

    func move(to next: ConnectionPhase) {
        loop.assertInEventLoop()
        precondition(phase.canMove(to: next), "connection \(id): \(phase) → \(next) is not a legal move")
        phase = next
    }

    /// Attaches the TCP stream (dialed or accepted), under the configured stream layer if there
    /// is one, and starts reading; a dialer sends its hello once the stream is established (at
    /// once over plain TCP, after the layer's own handshake otherwise). The handshake deadline
    /// starts here, so it covers the layer's handshake as well as the hello and welcome.
    func attach(_ tcp: TCPStream) {
        loop.assertInEventLoop()
        let stream: ConnectionStream
        if let layer = transport.configuration.streamLayer {
            stream = .layered(layer.makeStream(over: tcp, role: isDialer ? .dialer : .acceptor))
        } else {
            stream = .tcp(tcp)
        }
        self.stream = stream
        stream.delegate = self
        if phase == .connecting { move(to: .handshaking) }
        lastReceived = loop.now
        handshakeTimer = loop.scheduleTimer(after: limits.handshakeTimeout) { [self] in
            handshakeTimedOut()
        }
        // Keep the kernel's unsent queue short, so control frames queued in user space are not
        // stuck behind megabytes of bulk data already handed to the kernel (DESIGN.md §5).
        _ = stream.setNotSentLowAt(limits.notSentLowWaterBytes)
        // The stream holds about its share (`streamHandoffBytesMax`) and reports when it is
        // under half of it again: the lanes then give it more (`pumpLanes`), and the output
        // budget (`Connection+Budget`) looks whether it may read again.
        let share = streamShare
        stream.setWriteBufferWaterMarks(lowBytes: share / 2, highBytes: share)
        stream.start()
        if self.stream?.isEstablished == true { streamEstablished() }
    }

    /// The stream carries frames now: a dialer sends its hello.
    func streamEstablished() {
        guard phase == .handshaking, isDialer, sentHello == nil else { return }
        sendHello()
    }

    private func handshakeTimedOut() {
        guard phase == .handshaking else { return }
        transport.counters.add(.handshakeTimeouts)
        if let stream, !stream.isEstablished {
            close(FabricError(
                .protocolViolation, "the stream layer's handshake did not complete within \(limits.handshakeTimeout)"))
        } else {
            close(FabricError(.protocolViolation, "no handshake within \(limits.handshakeTimeout)"))
        }
    }

    // MARK: Closing

    /// Closes now: fails every pending and queued call with `reason` (nodeUnreachable by
    /// default), tells the transport, and closes the stream after writing what is queued.
    package func close(_ reason: FabricError) {
        loop.assertInEventLoop()
        guard phase != .closed else { return }
        let wasReady = phase == .ready || phase == .draining
        phase = .closed
        closeReason = reason
        handshakeTimer?.cancel()
        keepaliveTimer?.cancel()
        outputStallTimer?.cancel()
        let queued = outbound.withLock { queue -> (calls: [PendingCall], waiters: [UnsafeContinuation<Void, any Error>]) in
            queue.closedReason = reason
            let waiters = queue.spaceWaiters
            queue.spaceWaiters = []
            queuedBytesHint.store(0, ordering: .relaxed)
            return (queue.takeMessages().calls, waiters)
        }
        let failure = Self.callFailure(for: reason)
        for call in queued.calls { call.complete(.failure(failure)) }
        for waiter in queued.waiters { waiter.resume(throwing: failure) }
        lanes.removeAll()
        let pending = pendingCalls
        pendingCalls = [:]
        for call in pending.values { call.complete(.failure(failure)) }
        if let stream {
            stream.close()
        }
        stream = nil
        transport.connectionDidClose(self, wasReady: wasReady)
    }

    /// What a call pending on a connection that closed for `reason` fails with.
    static func callFailure(for reason: FabricError) -> FabricError {
        switch reason.code {
        case .nodeDown, .shutdown, .nodeUnreachable: reason
        default: FabricError(.nodeUnreachable, "connection lost: \(reason.message)")
        }
    }

    /// Sends a goodbye (or a refusal during the handshake) carrying `reason`, then closes.
    package func closeWithReason(_ reason: FabricError) {
        loop.assertInEventLoop()
        guard phase != .closed else { return }
        if phase == .ready || phase == .draining {
            var payload: [UInt8] = []
            SystemMessage.goodbye(reason: String(reason.message.prefix(256))).encode(into: &payload)
            writeFrame(OutboundMessage(kind: .system, priority: 3, messageID: 0, payload: payload))
        }
        close(reason)
    }
}

extension Connection: CustomStringConvertible {
    package var description: String {
        "connection \(id) (\(isDialer ? "to" : "from") \(remoteNode?.name ?? dialedAddress?.description ?? "?"))"
    }
}
