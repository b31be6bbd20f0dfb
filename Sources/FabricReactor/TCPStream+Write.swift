import CFabricShims
import FabricCore
import Glibc

extension TCPStream {
    /// Queues bytes (copied into pooled buffers); they are sent at the end of this loop turn in
    /// one `sendmsg` with everything else queued for the stream. Dropped if the stream is
    /// closing or closed.
    package func write(_ bytes: UnsafeRawBufferPointer) {
        loop.assertInEventLoop()
        guard state == .idle || state == .active, bytes.count > 0 else { return }
        outbound.append(bytes, pool: &loop.chunkPool)
        didQueueOutput()
    }

    /// Queues an array; a large one is kept as it is and sent from its own storage (no copy).
    package func write(_ bytes: [UInt8]) {
        loop.assertInEventLoop()
        guard state == .idle || state == .active, !bytes.isEmpty else { return }
        outbound.append(bytes, pool: &loop.chunkPool)
        didQueueOutput()
    }

    /// Bytes queued and not yet handed to the kernel.
    package var pendingWriteBytes: Int {
        loop.assertInEventLoop()
        return outbound.byteCount
    }

    /// Sends what is queued now rather than at the end of the turn.
    package func flushNow() {
        loop.assertInEventLoop()
        guard state == .active || state == .closing, !outbound.isEmpty else { return }
        while !outbound.isEmpty {
            guard sendSome() else { break }
        }
        if outbound.isEmpty { updateInterest(wantsOutput: false) }
        checkWaterMarks()
        if state == .closing, outbound.isEmpty { finishClose(error: nil) }
    }

    /// Called by the loop at the end of the turn for streams that asked with `scheduleFlush`.
    func flushScheduledWrites() {
        isFlushScheduled = false
        flushNow()
    }

    /// After a write: make sure a flush happens this turn and check the high water mark.
    private func didQueueOutput() {
        if state == .active { scheduleFlush() }
        if isWritable, outbound.byteCount >= writeBufferHighWaterBytes {
            isWritable = false
            delegate?.streamWritabilityChanged(self, isWritable: false)
        }
    }

    /// Asks the loop to flush at the end of the turn, unless already asked or the stream is
    /// waiting for `EPOLLOUT` (which will flush it).
    func scheduleFlush() {
        guard !isFlushScheduled, interest & CFABRIC_EPOLLOUT == 0 else { return }
        isFlushScheduled = true
        loop.scheduleFlush(self)
    }

    /// One `sendmsg` of up to `Limits.streamWriteVectorsMax` buffers. True if everything it
    /// tried went out (so trying again may make progress), false if the kernel is full (the
    /// stream then waits for `EPOLLOUT`) or the stream failed and closed.
    private func sendSome() -> Bool {
        var attempted = 0
        let descriptor = self.descriptor
        let result = outbound.withVectors(loop.writeVectors, capacity: Limits.streamWriteVectorsMax) { count, bytes in
            attempted = bytes
            return cfabric_send_vectors(descriptor, loop.writeVectors, count)
        }
        statistics.writeCalls += 1
        if result >= 0 {
            statistics.bytesWritten += result
            outbound.removeFirst(result, pool: &loop.chunkPool)
            guard result < attempted else { return true }
            statistics.partialWrites += 1
            updateInterest(wantsOutput: true)
            return false
        }
        if result == -Int(EAGAIN) {
            statistics.partialWrites += 1
            updateInterest(wantsOutput: true)
            return false
        }
        finishClose(error: ReactorError.write(errno: Int32(-result)))
        return false
    }

    /// Reports `isWritable` turning true once queued output is at or below the low water mark
    /// (or false, if the marks were lowered under what is queued).
    func checkWaterMarks() {
        guard state != .closed else { return }
        if !isWritable, outbound.byteCount <= writeBufferLowWaterBytes {
            isWritable = true
            delegate?.streamWritabilityChanged(self, isWritable: true)
        } else if isWritable, outbound.byteCount >= writeBufferHighWaterBytes, writeBufferHighWaterBytes > 0 {
            isWritable = false
            delegate?.streamWritabilityChanged(self, isWritable: false)
        }
    }
}
