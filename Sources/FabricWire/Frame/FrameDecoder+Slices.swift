import FabricCore

/// A large compressed message being decompressed a slice at a time, and what it is delivered as.
struct SlicedMessage {
    let kind: FrameKind
    let priority: UInt8
    let messageID: UInt64
    let work: ZstdSlicedDecompression
}

/// Large compressed messages decompressed in slices, with frames of higher priority decoded and
/// delivered between the slices (issue 14, §2: a 16 MB message decompressed in one go held a
/// control call behind it for milliseconds).
///
/// When `decompressionSliceBytes` is set, a compressed message (a whole frame or a reassembled
/// one) that declares more than that many bytes is not decompressed at once: `nextFrame()`
/// goes on to the frames after it, but hands out only those of a higher priority, which may
/// overtake it as they may on the sender's side (lanes keep order within a priority only). At
/// the first frame of the same or a lower priority it returns nil, and that frame waits in the
/// buffer. The caller calls `nextSlice()`, once per loop turn, until it returns the message;
/// then `nextFrame()` goes on in order. One message is sliced at a time: a large one that
/// overtakes it is decompressed in one go.
extension FrameDecoder {
    /// Whether a message is being decompressed in slices (`nextSlice()` has work).
    package var isDecompressingInSlices: Bool { sliced != nil }

    /// Decompresses the next slice of the message under way; the message once it is complete.
    package mutating func nextSlice() throws(WireError) -> Frame? {
        guard let sliced else { return nil }
        slicesDone &+= 1
        guard let payload = try sliced.work.step() else { return nil }
        self.sliced = nil
        decompressedBytes &+= payload.count
        return Frame(kind: sliced.kind, priority: sliced.priority, messageID: sliced.messageID, payload: payload[...])
    }

    /// Whether a frame of `priority` must wait for the message being sliced.
    func waitsForSlicedMessage(priority: UInt8) -> Bool {
        guard let sliced else { return false }
        return priority <= sliced.priority
    }

    /// Starts slicing `input` (owned, compressed) when slicing is on, none is under way and it
    /// declares more than a slice; false when it should be decompressed in one go.
    mutating func startSlicing(
        _ input: borrowing [UInt8], kind: FrameKind, priority: UInt8, messageID: UInt64, cap: Int
    ) throws(WireError) -> Bool {
        guard sliced == nil, let sliceBytes = decompressionSliceBytes,
            let size = input.withUnsafeBytes({ ZstdSlicedDecompression.declaredSize(of: $0) }), size > sliceBytes
        else { return false }
        guard size <= cap else {
            throw WireError(.decompressionFailed, "zstd frame declares \(size) bytes, over the cap of \(cap)")
        }
        let work = try ZstdSlicedDecompression(copy input, declaredSize: size, cap: cap, sliceBytes: sliceBytes)
        sliced = SlicedMessage(kind: kind, priority: priority, messageID: messageID, work: work)
        return true
    }
}
