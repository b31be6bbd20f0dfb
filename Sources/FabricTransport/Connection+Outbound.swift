import FabricCore
import FabricReactor
import FabricWire

/// The send path. Callers on any thread queue messages under the lock; the first one to queue
/// into an empty queue asks the loop to flush, so a burst of calls costs one wake-up and one
/// write. On the loop itself messages skip the lock only when nothing is queued ahead of them.
extension Connection {
    /// Queues a message for the peer. Fails with the close reason once the connection is closed,
    /// and with `rejected` when the queue is over `outboundQueueBytesMax`.
    package func send(_ message: consuming OutboundMessage) throws(FabricError) {
        try enqueue(consume message, call: nil)
    }

    /// Queues a call's frame and registers its pending reply under the same lock, so the reply
    /// can never arrive before the call is known. The loop arms the deadline timer when it
    /// flushes the frame.
    package func sendCall(_ message: consuming OutboundMessage, _ call: PendingCall) throws(FabricError) {
        try enqueue(consume message, call: call)
    }

    /// Takes the message over: the caller keeps no reference to its payload, so once framed
    /// the array can go back to the transport's `PayloadBufferPool`.
    private func enqueue(_ message: consuming OutboundMessage, call: PendingCall?) throws(FabricError) {
        if message.payload.count >= Limits.offLoopCompressionBytesMin { prepareOffLoop(&message) }
        // What the message holds in memory, not only what it will send: a small call's payload
        // array has room reserved for its envelope header (`Limits.callArgumentsBytesReserved`).
        let bytes = message.payload.capacity + FrameLayout.headerBytes
        let payloadBytes = message.payload.count
        let isControl = message.isControl
        // Control frames may go past the callers' limit, by their own small cap.
        let hardMax = limits.outboundQueueBytesMax + (isControl ? limits.controlOutputBytesMax : 0)
        var handedOver = Optional(consume message)
        let needsFlush = try outbound.withLock { queue throws(FabricError) -> Bool in
            if let reason = queue.closedReason { throw Self.callFailure(for: reason) }
            // What the stream still holds counts too: the queue's own count starts afresh at
            // every flush, which moves everything into the stream.
            let waiting = queue.queuedBytes + streamBacklog.load(ordering: .relaxed)
            guard waiting + bytes <= hardMax else {
                if isControl { transport.counters.add(.controlFramesDropped) }
                throw FabricError.rejected("output to \(remoteNode?.name ?? "peer") is full (\(waiting) bytes waiting)")
            }
            queue.queuedBytes += bytes
            queue.largestPayloadBytes = max(queue.largestPayloadBytes, payloadBytes)
            queuedBytesHint.store(queue.queuedBytes, ordering: .relaxed)
            precondition(handedOver != nil, "a message is queued once")
            if isControl {
                queue.control.append(handedOver.take().unsafelyUnwrapped)
            } else {
                queue.user.append(handedOver.take().unsafelyUnwrapped)
            }
            if let call { queue.newCalls.append(call) }
            if queue.flushScheduled { return false }
            queue.flushScheduled = true
            return true
        }
        if needsFlush { scheduleFlush() }
    }

    /// Compresses a large message on the caller's thread, when the handshake agreed on
    /// compression and it shrinks, so that the loop only cuts it into fragments (issue 14, §2:
    /// compressing 16 MB on the loop held every control frame behind it). A fresh encoder per
    /// message: its context is not shared between threads, and creating one costs little next
    /// to compressing `Limits.offLoopCompressionBytesMin` bytes. A message that is too large
    /// is left as it is, for the loop to fail it as it always did.
    private func prepareOffLoop(_ message: inout OutboundMessage) {
        let frameBytesMax = offLoopCompressionFrameBytesMax.load(ordering: .acquiring)
        guard frameBytesMax > 0, !message.isWireCompressed else { return }
        let encoder = FrameEncoder(
            frameBytesMax: frameBytesMax, checksum: false, compressionThresholdBytes: limits.compressionThresholdBytes)
        let wireStart = message.wireStart
        let kind = message.kind
        let compressed = message.payload.withUnsafeBytes { payload in
            try? encoder.compressedForFragments(
                kind: kind, first: UnsafeRawBufferPointer(rebasing: payload[wireStart...]),
                then: UnsafeRawBufferPointer(rebasing: payload[..<wireStart]))
        }
        guard let compressed else { return }
        message.payload = compressed
        message.wireStart = 0
        message.isWireCompressed = true
    }

    /// Asks the loop to flush: at the end of this turn when already on it, else with one `execute`.
    private func scheduleFlush() {
        if loop.inEventLoop {
            loop.executeAtEndOfTurn { [self] in flushQueued() }
        } else {
            loop.execute { [self] in flushQueued() }
        }
    }

    /// Asks the loop to fail a call early (its task was cancelled). The call is wherever it is
    /// by the time this runs on the loop: pending a reply here (failed), still in the queue
    /// (taken out and failed; its frame may still go, and its reply is then dropped), or moved
    /// to the connection this one's queue was handed over to (the cancellation follows it
    /// there). A call in none of those places has completed already. A call made on the loop
    /// is queued before this runs (`execute` is FIFO after the caller's own turn), so it is
    /// found in the queue.
    package func cancelCall(_ callID: UInt64) {
        loop.execute { [self] in
            if pendingCalls[callID] != nil {
                failCancelled(callID)
                closeIfDrained()
                return
            }
            let (queued, successor) = outbound.withLock { queue -> (PendingCall?, Connection?) in
                if let index = queue.newCalls.firstIndex(where: { $0.callID == callID }) {
                    return (queue.newCalls.remove(at: index), nil)
                }
                return (nil, queue.handedOverTo)
            }
            queued?.complete(.failure(Self.cancellation))
            successor?.cancelCall(callID)
        }
    }

    static let cancellation = FabricError(.cancelled, "the calling task was cancelled")

    /// Whether callers should wait before queuing more (the soft limit), checked without a lock:
    /// from the queue's size as of its last change and the stream's backlog as of the loop's
    /// last look. A caller that reads a stale answer is caught by the hard limit in `enqueue`.
    package var isBackPressured: Bool {
        queuedBytesHint.load(ordering: .relaxed) + streamBacklog.load(ordering: .relaxed) > limits.outboundQueueBytesSoftMax
    }

    /// Suspends the caller until the queue drains below the soft limit (or the connection closes).
    package func waitForSpace() async throws {
        try await withUnsafeThrowingContinuation { (continuation: UnsafeContinuation<Void, any Error>) in
            let resumeNow = outbound.withLock { queue -> Result<Void, FabricError>? in
                if let reason = queue.closedReason { return .failure(Self.callFailure(for: reason)) }
                if queue.queuedBytes + streamBacklog.load(ordering: .relaxed) <= limits.outboundQueueBytesSoftMax {
                    return .success(())
                }
                queue.spaceWaiters.append(continuation)
                return nil
            }
            if let resumeNow { continuation.resume(with: resumeNow) }
        }
    }

    func resumeSpaceWaiters() {
        let waiters = outbound.withLock { queue -> [UnsafeContinuation<Void, any Error>] in
            guard queue.queuedBytes + streamBacklog.load(ordering: .relaxed) <= limits.outboundQueueBytesSoftMax
            else { return [] }
            defer { queue.spaceWaiters = [] }
            return queue.spaceWaiters
        }
        for waiter in waiters { waiter.resume() }
    }

    // MARK: On the loop

    /// Moves everything queued into the stream in one write, control first, and arms the
    /// deadlines of the calls that go out. Before the handshake is done the queue waits.
    func flushQueued() {
        loop.assertInEventLoop()
        guard phase == .ready || phase == .draining else {
            outbound.withLock { $0.flushScheduled = false }
            return
        }
        outbound.withLock { queue in
            queue.flushScheduled = false
            queuedBytesHint.store(0, ordering: .relaxed)
            queue.swapMessages(into: &flushBatch)
        }
        for call in flushBatch.calls { register(call) }
        writeBuffer.removeAll(keepingCapacity: true)
        if canFrameDirectly(flushBatch) {
            for message in flushBatch.control { frame(message) }
            for message in flushBatch.user { frame(message) }
            transport.payloadBuffers.recycle(from: &flushBatch.user, spare: &recycledPayloads)
        } else {
            // Behind what waits already, or too much for the stream's share: through the lanes.
            for message in flushBatch.control { lanes.append(message) }
            for message in flushBatch.user { lanes.append(message) }
        }
        flushBatch.removeAll()
        flushWriteBuffer()
        pumpLanes()
        resumeSpaceWaiters()
    }

    /// Sends the reply to call `messageID`, its payload written by `writePayload`. On the loop
    /// (a reply from an actor that runs there) it is framed straight into the stream: no payload
    /// array, no queue, no lock; the stream still sends once per turn. Elsewhere it is queued.
    package func sendReply(messageID: UInt64, _ writePayload: (inout [UInt8]) -> Void) {
        guard loop.inEventLoop, phase == .ready || phase == .draining, let stream else {
            var payload: [UInt8] = []
            writePayload(&payload)
            do {
                try send(OutboundMessage(kind: .reply, messageID: messageID, payload: payload))
            } catch {
                replyRefused(messageID, error)
            }
            return
        }
        // Nothing waiting in the stream means it sent since the last reply: count afresh.
        if stream.pendingWriteBytes == 0 { repliesSinceFlush = 0 }
        replyPayload.removeAll(keepingCapacity: true)
        writePayload(&replyPayload)
        if !lanes.isEmpty || stream.pendingWriteBytes + replyPayload.count > streamShare {
            // Others wait, or it is large: in its lane, behind them (its own copy of the bytes).
            lanes.append(OutboundMessage(kind: .reply, messageID: messageID, payload: replyPayload))
            if replyPayload.capacity > Limits.replyBufferBytesKeptMax { replyPayload = [] }
            pumpLanes()
            return
        }
        writeFrame(OutboundMessage(kind: .reply, messageID: messageID, payload: replyPayload))
        if replyPayload.capacity > Limits.replyBufferBytesKeptMax { replyPayload = [] }
        sendEarlyIfManyReplies()
    }

    /// A reply the queue refused (its output is over the hard limit): the caller is told with a
    /// small failure reply, sent with control's allowance, rather than left to its deadline.
    private func replyRefused(_ messageID: UInt64, _ error: FabricError) {
        transport.counters.add(.repliesRefused)
        guard error.code == .rejected else { return }  // closed: the caller hears of that anyway
        var failure: [UInt8] = []
        ReplyEnvelope.failure(ReplyFailure(code: .rejected, message: "the reply did not fit: \(error.message)"))
            .encode(into: &failure)
        try? send(OutboundMessage(kind: .reply, priority: 3, messageID: messageID, payload: failure))
    }

    /// Sends the waiting replies now when `Limits.repliesPerEarlyFlush` of them have piled up
    /// this turn (see there for why).
    private func sendEarlyIfManyReplies() {
        let threshold = transport.repliesPerEarlyFlush
        guard threshold > 0, let stream else { return }
        repliesSinceFlush += 1
        guard repliesSinceFlush >= threshold else { return }
        repliesSinceFlush = 0
        stream.flushNow()
    }

    /// Frames one message now, bypassing the queue (handshake, control and loop replies).
    func writeFrame(_ message: OutboundMessage) {
        loop.assertInEventLoop()
        writeBuffer.removeAll(keepingCapacity: true)
        frame(message)
        flushWriteBuffer()
    }

    private func failCancelled(_ callID: UInt64) {
        pendingCalls.removeValue(forKey: callID)?.complete(.failure(Self.cancellation))
    }

    private func register(_ call: PendingCall) {
        pendingCalls[call.callID] = call
        call.connection = self
        call.timer = loop.scheduleTimer(at: call.deadline) { [call] in
            call.connection?.deadlinePassed(call)
        }
    }

    /// Fails `call` at its deadline: the call itself, not whatever the table holds under its
    /// id, so that it is answered even if it left the table some other way.
    private func deadlinePassed(_ call: PendingCall) {
        if pendingCalls[call.callID] === call { pendingCalls.removeValue(forKey: call.callID) }
        call.complete(.failure(FabricError(.timeout, "no reply within the call's deadline")))
        closeIfDrained()
    }

    func frame(_ message: OutboundMessage) {
        let encoder = self.encoder
        guard !message.isWireCompressed else { return frameCompressed(message) }
        let wireStart = message.wireStart
        let outcome = message.payload.withUnsafeBytes { payload -> WireError? in
            do throws(WireError) {
                try encoder.append(
                    kind: message.kind, priority: message.priority, messageID: message.messageID,
                    payload: UnsafeRawBufferPointer(rebasing: payload[wireStart...]),
                    then: UnsafeRawBufferPointer(rebasing: payload[..<wireStart]), to: &writeBuffer)
                return nil
            } catch {
                return error
            }
        }
        if let error = outcome {
            failTooLarge(message, error)
            return
        }
        counters.add(.framesOut)
    }

    /// A message the caller compressed already, as one frame with the compressed flag.
    private func frameCompressed(_ message: OutboundMessage) {
        let outcome = message.payload.withUnsafeBytes { payload in
            Result { () throws(WireError) in
                try encoder.appendFragment(
                    kind: message.kind, priority: message.priority, messageID: message.messageID, payload: payload,
                    isCompressed: true, moreFollow: false, to: &writeBuffer)
            }
        }
        if case .failure(let error) = outcome {
            failTooLarge(message, error)
            return
        }
        counters.add(.framesOut)
    }

    /// A message too large for the agreed frame size. A call of ours fails alone; a reply to the
    /// peer's call becomes a failure reply, so that its caller learns now rather than at its
    /// deadline. (A reply's id is the peer's call id, which may equal one of ours: only a call's
    /// own id names a pending call here.)
    func failTooLarge(_ message: OutboundMessage, _ error: WireError) {
        switch message.kind {
        case .call:
            pendingCalls.removeValue(forKey: message.messageID)?.complete(
                .failure(FabricError(.rejected, "message too large: \(error)")))
            closeIfDrained()
        case .reply:
            var failure: [UInt8] = []
            ReplyEnvelope.failure(
                ReplyFailure(code: .rejected, message: "the result is too large for a frame: \(error)")
            ).encode(into: &failure)
            let encoder = self.encoder
            let sent = failure.withUnsafeBytes { payload in
                (try? encoder.append(
                    kind: .reply, priority: message.priority, messageID: message.messageID, payload: payload,
                    to: &writeBuffer)) != nil
            }
            if sent { counters.add(.framesOut) }
        default:
            break
        }
    }

    func flushWriteBuffer() {
        guard !writeBuffer.isEmpty, let stream else { return }
        counters.add(.bytesOut, UInt64(writeBuffer.count))
        lastSent = loop.turnStarted
        writeBuffer.withUnsafeBytes { stream.write($0) }
        streamBacklog.store(outputBacklog, ordering: .relaxed)
        checkOutputBudget()
    }
}

extension Connection {
    /// Moves everything queued here (messages and their pending calls) to `other`, and closes
    /// this queue to new messages. Used when a connection is superseded before it carried them.
    ///
    /// All of it happens under this queue's lock, and `handedOverTo` is set in the same
    /// critical section: a cancellation arriving here meanwhile finds its call either still
    /// in this queue or already in `other`'s, never in between (where it was lost before).
    /// Locks are taken in one order only, this queue's then `other`'s: a queue that was handed
    /// over never receives one back.
    func handOverQueue(to other: Connection) {
        precondition(other !== self, "\(self) handed its queue over to itself")
        let failed = outbound.withLock { queue -> [(PendingCall, FabricError)] in
            queuedBytesHint.store(0, ordering: .relaxed)
            queue.handedOverTo = other
            let taken = queue.takeMessages()
            var callsByID: [UInt64: PendingCall] = [:]
            for call in taken.calls { callsByID[call.callID] = call }
            var failed: [(PendingCall, FabricError)] = []
            // (A rare path: payloads still shared with `taken` here are simply not pooled.)
            for message in taken.control + taken.user {
                let call = message.kind == .call ? callsByID.removeValue(forKey: message.messageID) : nil
                // Compressed by its caller for this connection's agreement: only a successor
                // that agreed on compression too can send it as it is.
                if message.isWireCompressed, other.offLoopCompressionFrameBytesMax.load(ordering: .acquiring) == 0 {
                    if let call { failed.append((call, FabricError(.nodeUnreachable, "connection superseded"))) }
                    continue
                }
                do throws(FabricError) {
                    if let call { try other.sendCall(message, call) } else { try other.send(message) }
                } catch {
                    if let call { failed.append((call, error)) }
                }
            }
            for leftover in callsByID.values {
                failed.append((leftover, FabricError(.nodeUnreachable, "connection superseded")))
            }
            return failed
        }
        for (call, error) in failed { failOnItsLoop(call, error) }
    }

    private func failOnItsLoop(_ call: PendingCall, _ error: FabricError) {
        loop.execute { call.complete(.failure(error)) }
    }
}
