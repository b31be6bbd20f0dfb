import FabricCore
import FabricReactor
import FabricWire

/// What one peer may make this node hold, and for how long (issue 14, §1): the output waiting
/// for it, the frame it is still sending, and the incoming calls it has running.
///
/// A peer that sends calls and never reads the replies would otherwise grow this node's memory
/// without bound: replies go straight into the stream, and the outbound queue's count starts
/// afresh at every flush. So the stream's unsent bytes are the budget: past
/// `Limits.connectionOutputBytesMax` this connection stops reading (everything it reads could
/// only add replies), and TCP's window then stops the peer; once the stream is back under its
/// low water mark it reads again. A peer that takes nothing for `outputStallTimeout` is closed.
extension Connection {
    /// After output was handed to the stream: stop reading when it is over budget.
    func checkOutputBudget() {
        // Never under the stream's high water mark: a hold ends when the stream reports it is
        // writable again, which it does only after it was not.
        guard !isHoldingForOutput, let stream,
            outputBacklog > max(limits.connectionOutputBytesMax, stream.writeBufferHighWaterBytes)
        else { return }
        isHoldingForOutput = true
        transport.counters.add(.readsHeldForOutput)
        holdReading()
        armOutputStallTimer(sentSoFar: stream.bytesWritten)
    }

    /// The stall timer: closes the connection if the peer took nothing more by then.
    private func armOutputStallTimer(sentSoFar: Int) {
        outputStallTimer = loop.scheduleTimer(after: limits.outputStallTimeout) { [self] in
            outputStalled(sentAtArming: sentSoFar)
        }
    }

    /// The stream is under its low water mark again: read again.
    func outputDrained() {
        guard isHoldingForOutput else { return }
        isHoldingForOutput = false
        outputStallTimer?.cancel()
        outputStallTimer = nil
        releaseReading()
    }

    /// A peer that took some output since the timer was armed is slow, not stalled: wait again.
    private func outputStalled(sentAtArming: Int) {
        guard isHoldingForOutput, phase != .closed else { return }
        if let sent = stream?.bytesWritten, sent != sentAtArming {
            armOutputStallTimer(sentSoFar: sent)
            return
        }
        transport.counters.add(.outputStalls)
        let waiting = outputBacklog
        close(FabricError(
            .nodeUnreachable,
            "\(remoteNode?.name ?? "peer") took no output for \(limits.outputStallTimeout) (\(waiting) bytes waiting)"))
    }

    // MARK: The frame being received

    /// Called as frames leave the decoder: notes when the next, incomplete one started.
    func notePartialFrame() {
        if decoder.bufferedBytes == 0 {
            partialFrameSince = nil
        } else if partialFrameSince == nil {
            partialFrameSince = loop.turnStarted
        }
    }

    /// Closes the connection when the frame being received has taken longer than
    /// `frameReceiveTimeout` and arrives slower than `frameReceiveBytesPerSecondMin` on average
    /// (an honest slow link sending a large frame is not cut off; a trickle is). Time with
    /// reading held by this node does not count. True if it closed. Run from the keepalive tick.
    func closeIfFrameIsOverdue(now: Instant) -> Bool {
        guard readHolds == 0, let since = partialFrameSince else { return false }
        let elapsed = now.duration(since: since)
        guard elapsed > limits.frameReceiveTimeout else { return false }
        let seconds = Double(elapsed.nanoseconds) / 1e9
        guard Double(decoder.bufferedBytes) < Double(limits.frameReceiveBytesPerSecondMin) * seconds else { return false }
        transport.counters.add(.frameReceiveTimeouts)
        closeWithReason(FabricError(
            .protocolViolation,
            "a frame took longer than \(limits.frameReceiveTimeout) to arrive (\(decoder.bufferedBytes) bytes so far)"))
        return true
    }

    // MARK: Decompression

    /// Stops decoding until the loop has served its other work, after a slice of frames whose
    /// decompressed payloads passed `decompressedBytesPerTurnMax`.
    func yieldAfterDecompression() {
        transport.counters.add(.decompressionYields)
        holdReading()
        loop.execute { [self] in releaseReading() }
    }

    // MARK: Incoming calls

    /// Admits an incoming two-way call of `bytes` payload bytes, or says why not (the
    /// connection's count or bytes of running calls would pass their limits).
    package func admitInboundCall(bytes: Int) -> FabricError? {
        let running = inboundCallsRunning.add(1, ordering: .relaxed).newValue
        let runningBytes = inboundCallBytesRunning.add(bytes, ordering: .relaxed).newValue
        if running <= limits.inboundCallsPerConnectionMax, runningBytes <= limits.inboundCallBytesPerConnectionMax {
            return nil
        }
        inboundCallFinished(bytes: bytes)
        return running > limits.inboundCallsPerConnectionMax
            ? FabricError.rejected("\(running - 1) calls from this connection are running already")
            : FabricError.rejected("\(runningBytes - bytes) bytes of calls from this connection are running already")
    }

    /// An admitted call finished (or was refused after all).
    package func inboundCallFinished(bytes: Int) {
        inboundCallsRunning.subtract(1, ordering: .relaxed)
        inboundCallBytesRunning.subtract(bytes, ordering: .relaxed)
    }
}
