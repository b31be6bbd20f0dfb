import FabricCore

/// A message that arrives as several frames, reassembled (`Docs/WireProtocol.md`, "Fragments").
///
/// A sender splits a large message's wire payload (compressed whole first, when it compresses)
/// into frames of the same kind and message id; every frame but the last carries
/// `more-fragments`. Frames of other messages may come in between, so several messages can be
/// under way at once, each keyed by its kind and id (a call and a reply may share an id: they
/// are numbered by different sides). The reassembled payload obeys the frame limit, as one
/// frame's would; the messages under way are bounded in count
/// (`Limits.fragmentedMessagesPerConnectionMax`) and bytes (`reassemblyBytesMax`), and their
/// buffers grow with the fragments that arrived.
struct FragmentKey: Hashable {
    let kind: FrameKind
    let messageID: UInt64
}

/// The fragments of one message so far.
struct PartialMessage {
    var bytes: [UInt8] = []
    let isCompressed: Bool
    let priority: UInt8
}

extension FrameDecoder {
    /// What the last fragment of a message came to.
    enum Reassembled {
        case whole(Frame)
        /// Large and compressed: being decompressed in slices (`FrameDecoder+Slices`).
        case slicing
    }

    /// Adds the fragment at `range` to its message and consumes its frame; the message, when
    /// this was its last fragment.
    mutating func takeFragment(
        _ range: Range<Int>, frameEnd: Int, flags: FrameFlags, key: FragmentKey
    ) throws(WireError) -> Reassembled? {
        var partial: PartialMessage
        if let existing = partialMessages.removeValue(forKey: key) {
            partial = existing
            guard partial.isCompressed == flags.isCompressed else {
                throw WireError(.malformed, "fragments of message \(key.messageID) disagree on compression")
            }
        } else {
            guard partialMessages.count < Limits.fragmentedMessagesPerConnectionMax else {
                throw WireError(
                    .limitExceeded, "more than \(Limits.fragmentedMessagesPerConnectionMax) fragmented messages at once")
            }
            partial = PartialMessage(isCompressed: flags.isCompressed, priority: flags.priority)
        }
        let payloadCap = frameBytesMax - FrameLayout.minimumLength - flags.trailerBytes
        guard partial.bytes.count + range.count <= payloadCap else {
            throw WireError(
                .frameTooLarge, "fragmented message \(key.messageID) over the limit of \(payloadCap) bytes")
        }
        guard partialBytes + range.count <= reassemblyBytesMax else {
            throw WireError(.limitExceeded, "fragments under way over \(reassemblyBytesMax) bytes")
        }
        storage.withUnsafeBytes { raw in partial.bytes.append(contentsOf: raw[range]) }
        partialBytes += range.count
        consume(upTo: frameEnd)
        if flags.hasMoreFragments {
            partialMessages[key] = partial
            return nil
        }
        partialBytes -= partial.bytes.count
        if partial.isCompressed,
            try startSlicing(
                partial.bytes, kind: key.kind, priority: partial.priority, messageID: key.messageID, cap: payloadCap)
        {
            return .slicing
        }
        let payload = partial.isCompressed ? try decompressReassembled(partial.bytes, cap: payloadCap) : partial.bytes
        return .whole(Frame(kind: key.kind, priority: partial.priority, messageID: key.messageID, payload: payload[...]))
    }

    private mutating func decompressReassembled(_ bytes: [UInt8], cap: Int) throws(WireError) -> [UInt8] {
        let context = decompressionContext ?? ZstdDecompressionContext()
        decompressionContext = context
        var output: [UInt8] = []
        let outcome = bytes.withUnsafeBytes { raw in
            Result { () throws(WireError) in try context.decompress(raw, outputBytesMax: cap, into: &output) }
        }
        try outcome.get()
        decompressedBytes &+= output.count
        return output
    }
}
