import FabricCore
import FabricReactor
import FabricWire

/// Handing the stream only what it can send soon, highest priority first, with large messages
/// cut into fragments (issue 14, §2; `OutboundLanes`).
///
/// A flush whose messages fit in the stream's share and need no fragmenting is framed at once,
/// as it always was (the common case: calls and replies of a few hundred bytes; no extra work
/// per call). Anything else goes into the lanes, and `pumpLanes` feeds the stream from them
/// whenever it falls under its low water mark: the highest waiting lane first, a large message
/// one fragment (`Limits.fragmentBytes`) at a time when the peer reassembles fragments, so the
/// small frames of higher lanes go out between its fragments.
extension Connection {
    /// Whether a batch can be framed at once: nothing waits in the lanes, no message needs
    /// fragmenting, and the stream has room for it within its share. Decided from what the
    /// queue counted as the messages came in (their capacity: an upper bound), so a flush
    /// does not look at each message twice.
    func canFrameDirectly(_ batch: borrowing OutboundBatch) -> Bool {
        guard lanes.isEmpty, let stream else { return false }
        guard !fragmentsAgreed || batch.largestPayloadBytes <= limits.fragmentBytes else { return false }
        return stream.pendingWriteBytes + batch.queuedBytes <= streamShare
    }

    /// What the stream is given at most: `streamHandoffBytesMax`, and never more than the
    /// callers' soft limit. Callers waiting for space are resumed when the stream reports it is
    /// writable again, which it does only after it was full: a share over the soft limit would
    /// let callers wait on a stream that drains without ever reporting.
    var streamShare: Int { max(2, min(limits.streamHandoffBytesMax, limits.outboundQueueBytesSoftMax)) }

    /// Whether the peer reassembles fragments (agreed in the handshake).
    var fragmentsAgreed: Bool { agreement?.fragments == true }

    /// Feeds the stream from the lanes until it holds its share (`streamHandoffBytesMax`).
    func pumpLanes() {
        guard !lanes.isEmpty, let stream, phase == .ready || phase == .draining else { return }
        let share = streamShare
        writeBuffer.removeAll(keepingCapacity: true)
        while let lane = lanes.highestWaitingLane, stream.pendingWriteBytes + writeBuffer.count < share {
            var entry = lanes.takeFirst(of: lane)
            if !frameNextPiece(of: &entry) { lanes.putBack(entry, to: lane) }
        }
        flushWriteBuffer()
        // The lanes count against the output budget whether or not the stream took anything.
        streamBacklog.store(outputBacklog, ordering: .relaxed)
        checkOutputBudget()
    }

    /// Frames `entry` whole, or its next fragment; true when nothing of it is left. A fragment
    /// is cut from the payload's two parts where they lie (`FragmentCut`): no join, so the
    /// loop's work per fragment is one copy of `fragmentBytes`.
    private func frameNextPiece(of entry: inout OutboundLanes.Entry) -> Bool {
        let fragmentBytes = limits.fragmentBytes
        if !entry.isCut {
            guard fragmentsAgreed, entry.message.payload.count > fragmentBytes else {
                frame(entry.message)
                return true
            }
            if !entry.message.isWireCompressed {
                switch compressForFragments(entry.message) {
                case .success(let compressed?):
                    entry.message.payload = compressed
                    entry.message.wireStart = 0
                    entry.message.isWireCompressed = true
                case .success(nil):
                    break
                case .failure(let error):
                    failTooLarge(entry.message, error)
                    return true
                }
            }
            entry.isCut = true
        }
        let message = entry.message
        let wireBytes = message.payload.count
        let end = min(entry.sent + fragmentBytes, wireBytes)
        let cut = FragmentCut(
            entry.sent..<end, firstBytes: wireBytes - message.wireStart, secondBytes: message.wireStart)
        let outcome = message.payload.withUnsafeBytes { payload in
            let first = UnsafeRawBufferPointer(rebasing: payload[message.wireStart...])
            let second = UnsafeRawBufferPointer(rebasing: payload[..<message.wireStart])
            return Result { () throws(WireError) in
                try encoder.appendFragment(
                    kind: message.kind, priority: message.priority, messageID: message.messageID,
                    payload: UnsafeRawBufferPointer(rebasing: first[cut.inFirst]),
                    then: UnsafeRawBufferPointer(rebasing: second[cut.inSecond]),
                    isCompressed: message.isWireCompressed, moreFollow: end < wireBytes, to: &writeBuffer)
            }
        }
        if case .failure(let error) = outcome {
            failTooLarge(message, error)
            return true
        }
        counters.add(.framesOut)
        entry.sent = end
        return end == wireBytes
    }

    /// The message's zstd frame when it is worth compressing, made by the loop's encoder (a
    /// message the caller did not compress: under `Limits.offLoopCompressionBytesMin`, or
    /// queued before the handshake agreed).
    private func compressForFragments(_ message: OutboundMessage) -> Result<[UInt8]?, WireError> {
        message.payload.withUnsafeBytes { payload in
            Result { () throws(WireError) in
                try encoder.compressedForFragments(
                    kind: message.kind, first: UnsafeRawBufferPointer(rebasing: payload[message.wireStart...]),
                    then: UnsafeRawBufferPointer(rebasing: payload[..<message.wireStart]))
            }
        }
    }

    /// What waits to go to the peer: in the lanes and in the stream.
    var outputBacklog: Int { lanes.bytes + (stream?.pendingWriteBytes ?? 0) }
}
