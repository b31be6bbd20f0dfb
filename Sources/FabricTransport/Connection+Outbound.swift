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
        // What the message holds in memory, not only what it will send: a small call's payload
        // array has room reserved for its envelope header (`Limits.callArgumentsBytesReserved`).
        let bytes = message.payload.capacity + FrameLayout.headerBytes
        let hardMax = limits.outboundQueueBytesMax
        let isControl = message.isControl
        var handedOver = Optional(consume message)
        let needsFlush = try outbound.withLock { queue throws(FabricError) -> Bool in
            if let reason = queue.closedReason { throw Self.callFailure(for: reason) }
            guard queue.queuedBytes + bytes <= hardMax || isControl else {
                throw FabricError.rejected("outbound queue to \(remoteNode?.name ?? "peer") is full (\(queue.queuedBytes) bytes)")
            }
            queue.queuedBytes += bytes
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

    /// Asks the loop to flush: at the end of this turn when already on it, else with one `execute`.
    private func scheduleFlush() {
        if loop.inEventLoop {
            loop.executeAtEndOfTurn { [self] in flushQueued() }
        } else {
            loop.execute { [self] in flushQueued() }
        }
    }

    /// Asks the loop to fail a call early (its task was cancelled). From another thread this
    /// runs after the flush that registers the call (`execute` is FIFO); a call made on the loop
    /// is flushed at the end of the turn, after this, so its cancellation waits for that flush
    /// (`cancelledCalls`).
    package func cancelCall(_ callID: UInt64) {
        loop.execute { [self] in
            if pendingCalls[callID] != nil {
                failCancelled(callID)
                closeIfDrained()
            } else {
                outbound.withLock { $0.cancelledCalls.append(callID) }
            }
        }
    }

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
        let cancelled = outbound.withLock { queue -> [UInt64] in
            queue.flushScheduled = false
            queuedBytesHint.store(0, ordering: .relaxed)
            queue.swapMessages(into: &flushBatch)
            defer { queue.cancelledCalls = [] }
            return queue.cancelledCalls
        }
        for call in flushBatch.calls { register(call) }
        for callID in cancelled { failCancelled(callID) }
        writeBuffer.removeAll(keepingCapacity: true)
        for message in flushBatch.control { frame(message) }
        for message in flushBatch.user { frame(message) }
        transport.payloadBuffers.recycle(from: &flushBatch.user, spare: &recycledPayloads)
        flushBatch.removeAll()
        flushWriteBuffer()
        resumeSpaceWaiters()
    }

    /// Sends the reply to call `messageID`, its payload written by `writePayload`. On the loop
    /// (a reply from an actor that runs there) it is framed straight into the stream: no payload
    /// array, no queue, no lock; the stream still sends once per turn. Elsewhere it is queued.
    package func sendReply(messageID: UInt64, _ writePayload: (inout [UInt8]) -> Void) {
        guard loop.inEventLoop, phase == .ready || phase == .draining, stream != nil else {
            var payload: [UInt8] = []
            writePayload(&payload)
            try? send(OutboundMessage(kind: .reply, messageID: messageID, payload: payload))
            return
        }
        // Nothing waiting in the stream means it sent since the last reply: count afresh.
        if stream?.pendingWriteBytes == 0 { repliesSinceFlush = 0 }
        replyPayload.removeAll(keepingCapacity: true)
        writePayload(&replyPayload)
        writeFrame(OutboundMessage(kind: .reply, messageID: messageID, payload: replyPayload))
        if replyPayload.capacity > Limits.replyBufferBytesKeptMax { replyPayload = [] }
        sendEarlyIfManyReplies()
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
        pendingCalls.removeValue(forKey: callID)?.complete(
            .failure(FabricError(.cancelled, "the calling task was cancelled")))
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

    private func frame(_ message: OutboundMessage) {
        let encoder = self.encoder
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

    /// A message too large for the agreed frame size. A call of ours fails alone; a reply to the
    /// peer's call becomes a failure reply, so that its caller learns now rather than at its
    /// deadline. (A reply's id is the peer's call id, which may equal one of ours: only a call's
    /// own id names a pending call here.)
    private func failTooLarge(_ message: OutboundMessage, _ error: WireError) {
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

    private func flushWriteBuffer() {
        guard !writeBuffer.isEmpty, let stream else { return }
        counters.add(.bytesOut, UInt64(writeBuffer.count))
        lastSent = loop.turnStarted
        writeBuffer.withUnsafeBytes { stream.write($0) }
        streamBacklog.store(stream.pendingWriteBytes, ordering: .relaxed)
    }
}

extension Connection {
    /// Moves everything queued here (messages and their pending calls) to `other`, and closes
    /// this queue to new messages. Used when a connection is superseded before it carried them.
    func handOverQueue(to other: Connection) {
        let (messages, calls) = outbound.withLock { queue -> ([OutboundMessage], [PendingCall]) in
            queuedBytesHint.store(0, ordering: .relaxed)
            let taken = queue.takeMessages()
            return (taken.control + taken.user, taken.calls)
        }
        var callsByID: [UInt64: PendingCall] = [:]
        for call in calls { callsByID[call.callID] = call }
        // (A rare path: payloads still shared with `messages` here are simply not pooled.)
        for message in messages {
            let call = message.kind == .call ? callsByID.removeValue(forKey: message.messageID) : nil
            do {
                if let call { try other.sendCall(message, call) } else { try other.send(message) }
            } catch {
                call.map { failOnItsLoop($0, error) }
            }
        }
        for leftover in callsByID.values { failOnItsLoop(leftover, FabricError(.nodeUnreachable, "connection superseded")) }
    }

    private func failOnItsLoop(_ call: PendingCall, _ error: FabricError) {
        loop.execute { call.complete(.failure(error)) }
    }
}
