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

    /// Frames `entry` whole, or its next fragment; true when nothing of it is left.
    private func frameNextPiece(of entry: inout OutboundLanes.Entry) -> Bool {
        let fragmentBytes = limits.fragmentBytes
        if entry.wire == nil {
            guard fragmentsAgreed, entry.message.payload.count > fragmentBytes else {
                frame(entry.message)
                return true
            }
            let message = entry.message
            let prepared = message.payload.withUnsafeBytes { payload in
                Result { () throws(WireError) in
                    try encoder.fragmentablePayload(
                        kind: message.kind, first: UnsafeRawBufferPointer(rebasing: payload[message.wireStart...]),
                        then: UnsafeRawBufferPointer(rebasing: payload[..<message.wireStart]))
                }
            }
            switch prepared {
            case .success(let (wire, isCompressed)):
                entry.wire = wire
                entry.isCompressed = isCompressed
                entry.message.payload = []
            case .failure(let error):
                failTooLarge(message, error)
                return true
            }
        }
        guard let wire = entry.wire else { preconditionFailure("a fragmented message without its wire payload") }
        let end = min(entry.sent + fragmentBytes, wire.count)
        let message = entry.message
        let outcome = wire[entry.sent..<end].withUnsafeBytes { piece in
            Result { () throws(WireError) in
                try encoder.appendFragment(
                    kind: message.kind, priority: message.priority, messageID: message.messageID, payload: piece,
                    isCompressed: entry.isCompressed, moreFollow: end < wire.count, to: &writeBuffer)
            }
        }
        if case .failure(let error) = outcome {
            failTooLarge(message, error)
            return true
        }
        counters.add(.framesOut)
        entry.sent = end
        return end == wire.count
    }

    /// What waits to go to the peer: in the lanes and in the stream.
    var outputBacklog: Int { lanes.bytes + (stream?.pendingWriteBytes ?? 0) }
}
