import FabricCore
import FabricReactor
import FabricWire

/// The receive path: stream bytes → frames → routed by kind. Any `WireError` closes the
/// connection with the error as its reason and moves a counter; the node goes on serving others.
extension Connection: ByteStreamDelegate {
    /// Bytes arrived in the loop's shared read buffer: the decoder keeps only what it cannot
    /// decode yet, so an idle connection holds no read buffer of its own (1,000 connections
    /// must fit in a few megabytes).
    package func streamDidRead(_ stream: any ByteStream, _ bytes: UnsafeRawBufferPointer) {
        guard phase != .closed else { return }
        counters.add(.bytesIn, UInt64(bytes.count))
        decoder.feed(bytes)
        lastReceived = loop.turnStarted
        drainFrames()
    }

    package func streamWritabilityChanged(_ stream: any ByteStream, isWritable: Bool) {
        if isWritable { pumpLanes() }
        streamBacklog.store(outputBacklog, ordering: .relaxed)
        if isWritable {
            resumeSpaceWaiters()
            if outputBacklog <= limits.outboundQueueBytesSoftMax / 2 { outputDrained() }
        }
    }

    package func streamDidEstablish(_ stream: any ByteStream) {
        streamEstablished()
    }

    package func streamDidClose(_ stream: any ByteStream, error: ReactorError?) {
        guard phase != .closed else { return }
        self.stream = nil
        if let error {
            counters.add(.errors)
            close(FabricError(.nodeUnreachable, "connection to \(remoteNode?.name ?? "peer") failed: \(error)"))
        } else {
            close(FabricError(.nodeUnreachable, "\(remoteNode?.name ?? "peer") closed the connection"))
        }
    }

    /// Stops reading from the peer until a matching `releaseReading()`: the layer above is
    /// behind (a one-way mailbox is full), so TCP's own flow control pushes back on the sender
    /// instead of this node buffering without bound. Calls nest.
    package func holdReading() {
        guard loop.inEventLoop else { return loop.execute { self.holdReading() } }
        readHolds += 1
        if readHolds == 1 { stream?.pauseReading() }
    }

    /// Undoes one `holdReading()`; the last one decodes what is buffered and reads again.
    package func releaseReading() {
        guard loop.inEventLoop else { return loop.execute { self.releaseReading() } }
        precondition(readHolds > 0, "\(self): releaseReading without holdReading")
        readHolds -= 1
        guard readHolds == 0, phase != .closed else { return }
        // Time spent held by this node counts neither against the frame under way nor as the
        // peer's silence.
        partialFrameSince = nil
        lastReceived = loop.now
        drainFrames()
        if readHolds == 0 { stream?.resumeReading() }
    }

    /// Takes every complete frame out of the decoder and routes it.
    /// Stops for the turn once the frames' decompressed payloads pass
    /// `decompressedBytesPerTurnMax` (`yieldAfterDecompression`).
    func drainFrames() {
        let decompressedAtStart = decoder.decompressedBytes
        while phase != .closed, readHolds == 0 {
            let frame: Frame?
            do {
                frame = try decoder.nextFrame()
            } catch {
                protocolError(error)
                return
            }
            guard let frame else {
                notePartialFrame()
                return
            }
            partialFrameSince = nil
            counters.add(.framesIn)
            route(frame)
            if decoder.decompressedBytes - decompressedAtStart > limits.decompressedBytesPerTurnMax, phase != .closed {
                yieldAfterDecompression()
                return
            }
        }
    }

    private func route(_ frame: Frame) {
        switch frame.kind {
        case .handshake:
            receiveHandshake(frame)
        case .reply:
            guard requireReady(frame) else { return }
            receiveReply(frame)
        case .call, .oneway:
            guard requireReady(frame) else { return }
            transport.delegate?.transport(self, receivedCall: frame)
        case .system:
            guard requireReady(frame) else { return }
            receiveSystem(frame)
        }
    }

    /// Frames other than the handshake are legal only once it is done.
    private func requireReady(_ frame: Frame) -> Bool {
        if phase == .ready || phase == .draining { return true }
        protocolError(WireError(.malformed, "\(frame.kind) frame before the handshake completed"))
        return false
    }

    private func receiveReply(_ frame: Frame) {
        guard let call = pendingCalls.removeValue(forKey: frame.messageID) else {
            return  // late reply after a timeout or cancellation: dropped
        }
        call.complete(.success(frame.payload))
        closeIfDrained()
    }

    /// A draining connection closes once the last call pending on it is answered (or gave up).
    func closeIfDrained() {
        guard phase == .draining, pendingCalls.isEmpty else { return }
        close(FabricError(.nodeUnreachable, "drained"))
    }

    /// A broken frame or message from the peer: count it, say why, close.
    func protocolError(_ error: WireError) {
        counters.add(.errors)
        transport.counters.add(.protocolErrors)
        let reason = FabricError(.protocolViolation, "protocol error from peer: \(error)")
        transport.log(.warning, "\(self): \(reason.message)")
        if phase == .handshaking {
            sendRefusal(.badHello, reason.message)
        }
        closeWithReason(reason)
    }
}
