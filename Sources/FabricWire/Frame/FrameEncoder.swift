import FabricCore

/// Where a frame being built in place starts in its buffer: returned by
/// `FrameEncoder.beginFrame(in:)`, handed back to `endFrame`.
package struct FrameMark: Hashable, Sendable {
    /// Offset of the frame's length field in the buffer.
    package let start: Int
}

/// Writes frames into a caller's buffer: header, payload (compressed above a threshold when
/// that makes it smaller), CRC32C trailer when checksums were negotiated.
///
/// Two ways in: `append` copies a ready payload; `beginFrame`/`endFrame` let the caller encode
/// the payload straight into the output buffer (the hot path: no intermediate array), after
/// which the header is backpatched. Frames never exceed `frameBytesMax`, measured without
/// compression, so the decoder's decompression cap is the same limit.
///
/// Not `Sendable` when it compresses (it reuses one zstd context); use it from one isolation
/// domain, typically the connection's.
package struct FrameEncoder {
    /// The largest `length` a frame may have: the agreed maximum (the handshake's limit during
    /// the handshake).
    package let frameBytesMax: Int
    /// Whether frames get a CRC32C trailer.
    package let checksum: Bool
    /// Payloads at least this large are compressed; nil never compresses (before or without a
    /// compression agreement).
    package let compressionThresholdBytes: Int?

    private let compressionContext: ZstdCompressionContext?

    /// An encoder for a connection's agreed settings (the handshake's: no checksum, no
    /// compression, `Limits.handshakeBytesMax`).
    package init(frameBytesMax: Int, checksum: Bool, compressionThresholdBytes: Int?) {
        precondition(
            frameBytesMax >= FrameLayout.minimumLength + FrameLayout.checksumBytes
                && frameBytesMax <= Limits.frameBytesCeiling,
            "frame limit \(frameBytesMax) outside \(FrameLayout.minimumLength + FrameLayout.checksumBytes)...\(Limits.frameBytesCeiling)"
        )
        precondition((compressionThresholdBytes ?? 0) >= 0, "negative compression threshold")
        self.frameBytesMax = frameBytesMax
        self.checksum = checksum
        self.compressionThresholdBytes = compressionThresholdBytes
        compressionContext = compressionThresholdBytes == nil ? nil : ZstdCompressionContext()
    }

    /// The largest payload a frame can carry with this encoder's settings.
    package var payloadBytesMax: Int {
        frameBytesMax - FrameLayout.minimumLength - (checksum ? FrameLayout.checksumBytes : 0)
    }

    /// Appends a whole frame carrying `payload` to `buffer`; `frameTooLarge` (and `buffer`
    /// unchanged) when the payload is over `payloadBytesMax`.
    package func append(
        kind: FrameKind, priority: UInt8, messageID: UInt64, payload: UnsafeRawBufferPointer,
        to buffer: inout [UInt8]
    ) throws(WireError) {
        try checkFits(payloadBytes: payload.count)
        let mark = beginFrame(in: &buffer)
        var flags = FrameFlags(kind: kind, priority: priority)
        if shouldCompress(kind: kind, payloadBytes: payload.count),
            compressionContext?.compressIfSmaller(payload, level: Compression.defaultLevel, into: &buffer) != nil
        {
            flags.isCompressed = true
        } else {
            buffer.append(contentsOf: payload)
        }
        finish(mark, flags: flags, messageID: messageID, in: &buffer)
    }

    /// Appends a whole frame whose payload is `first` followed by `second` (a call whose
    /// envelope header was written after its arguments); the same checks as `append`.
    package func append(
        kind: FrameKind, priority: UInt8, messageID: UInt64, payload first: UnsafeRawBufferPointer,
        then second: UnsafeRawBufferPointer, to buffer: inout [UInt8]
    ) throws(WireError) {
        guard !second.isEmpty else {
            try append(kind: kind, priority: priority, messageID: messageID, payload: first, to: &buffer)
            return
        }
        try checkFits(payloadBytes: first.count + second.count)
        let mark = beginFrame(in: &buffer)
        buffer.append(contentsOf: first)
        buffer.append(contentsOf: second)
        try endFrame(mark, kind: kind, priority: priority, messageID: messageID, in: &buffer)
    }

    /// Reserves a frame header at the end of `buffer`; append the payload after it, then call
    /// `endFrame` with the mark.
    package func beginFrame(in buffer: inout [UInt8]) -> FrameMark {
        let mark = FrameMark(start: buffer.count)
        buffer.append(contentsOf: repeatElement(0, count: FrameLayout.headerBytes))
        return mark
    }

    /// Completes the frame begun at `mark`: everything appended since `beginFrame` is its
    /// payload. Compresses it in place if it is large and shrinks, fills in the header and
    /// appends the checksum. On `frameTooLarge` the buffer is cut back to where it was before
    /// `beginFrame`.
    package func endFrame(
        _ mark: FrameMark, kind: FrameKind, priority: UInt8, messageID: UInt64, in buffer: inout [UInt8]
    ) throws(WireError) {
        let payloadStart = mark.start + FrameLayout.headerBytes
        precondition(
            mark.start >= 0 && payloadStart <= buffer.count,
            "frame mark at \(mark.start) does not fit a buffer of \(buffer.count) bytes")
        let payloadBytes = buffer.count - payloadStart
        do {
            try checkFits(payloadBytes: payloadBytes)
        } catch {
            buffer.removeSubrange(mark.start...)
            throw error
        }
        var flags = FrameFlags(kind: kind, priority: priority)
        if shouldCompress(kind: kind, payloadBytes: payloadBytes),
            compressInPlace(payloadStartingAt: payloadStart, in: &buffer)
        {
            flags.isCompressed = true
        }
        finish(mark, flags: flags, messageID: messageID, in: &buffer)
    }

    /// What a large message goes on the wire as when it is sent in fragments: its payload
    /// (`first` then `second`) compressed as one zstd frame when it is large and that makes it
    /// smaller, else nil, and then the fragments are cut from the two parts as they are
    /// (`appendFragment(…, then:)`). Neither way joins the parts into a new array (issue 14,
    /// §2: a 16 MB join held the loop for milliseconds).
    package func compressedForFragments(
        kind: FrameKind, first: UnsafeRawBufferPointer, then second: UnsafeRawBufferPointer
    ) throws(WireError) -> [UInt8]? {
        try checkFits(payloadBytes: first.count + second.count)
        guard shouldCompress(kind: kind, payloadBytes: first.count + second.count), let compressionContext else {
            return nil
        }
        return compressionContext.compressIfSmaller(first, then: second, level: Compression.defaultLevel)
    }

    /// Appends one fragment of a message: `payload` is the next piece of its wire bytes (what
    /// `compressedForFragments` made, or the message as it is), `moreFollow` says whether more
    /// pieces come after it.
    package func appendFragment(
        kind: FrameKind, priority: UInt8, messageID: UInt64, payload: UnsafeRawBufferPointer, isCompressed: Bool,
        moreFollow: Bool, to buffer: inout [UInt8]
    ) throws(WireError) {
        try appendFragment(
            kind: kind, priority: priority, messageID: messageID, payload: payload, then: UnsafeRawBufferPointer(start: nil, count: 0),
            isCompressed: isCompressed, moreFollow: moreFollow, to: &buffer)
    }

    /// Appends one fragment whose piece is `first` followed by `second`: a piece cut from a
    /// two-part payload across the point where its parts meet (`FragmentCut`).
    package func appendFragment(
        kind: FrameKind, priority: UInt8, messageID: UInt64, payload first: UnsafeRawBufferPointer,
        then second: UnsafeRawBufferPointer, isCompressed: Bool, moreFollow: Bool, to buffer: inout [UInt8]
    ) throws(WireError) {
        precondition(kind != .handshake, "handshake frames are never fragmented")
        try checkFits(payloadBytes: first.count + second.count)
        let mark = beginFrame(in: &buffer)
        buffer.append(contentsOf: first)
        if !second.isEmpty { buffer.append(contentsOf: second) }
        var flags = FrameFlags(kind: kind, priority: priority)
        flags.isCompressed = isCompressed
        flags.hasMoreFragments = moreFollow
        finish(mark, flags: flags, messageID: messageID, in: &buffer)
    }

    private func checkFits(payloadBytes: Int) throws(WireError) {
        guard payloadBytes <= payloadBytesMax else {
            throw WireError(
                .frameTooLarge, "payload of \(payloadBytes) bytes over the limit of \(payloadBytesMax)")
        }
    }

    private func shouldCompress(kind: FrameKind, payloadBytes: Int) -> Bool {
        guard let compressionThresholdBytes, kind != .handshake else { return false }
        return payloadBytes >= compressionThresholdBytes
    }

    /// Replaces the payload at the end of `buffer` by its zstd frame when that is smaller.
    private func compressInPlace(payloadStartingAt payloadStart: Int, in buffer: inout [UInt8]) -> Bool {
        guard let compressionContext else { return false }
        var compressed: [UInt8] = []
        let compressedBytes = buffer.withUnsafeBytes { raw in
            compressionContext.compressIfSmaller(
                UnsafeRawBufferPointer(rebasing: raw[payloadStart...]), level: Compression.defaultLevel,
                into: &compressed)
        }
        guard compressedBytes != nil else { return false }
        buffer.replaceSubrange(payloadStart..., with: compressed)
        return true
    }

    /// Backpatches the header of the frame whose payload ends the buffer and appends its trailer.
    private func finish(_ mark: FrameMark, flags: FrameFlags, messageID: UInt64, in buffer: inout [UInt8]) {
        precondition(
            flags.kind != .handshake || messageID == 0, "handshake frame with message id \(messageID)")
        var flags = flags
        flags.isChecksummed = checksum
        let length = buffer.count - mark.start - FrameLayout.lengthFieldBytes + flags.trailerBytes
        WireWriter.storeBigEndian(UInt32(length), at: mark.start, in: &buffer)
        WireWriter.storeBigEndian(flags.rawValue, at: mark.start + FrameLayout.flagsOffset, in: &buffer)
        WireWriter.storeBigEndian(messageID, at: mark.start + FrameLayout.messageIDOffset, in: &buffer)
        guard checksum else { return }
        let crc = buffer.withUnsafeBytes { raw in
            CRC32C.checksum(UnsafeRawBufferPointer(rebasing: raw[(mark.start + FrameLayout.lengthFieldBytes)...]))
        }
        WireWriter.appendBigEndian(crc, to: &buffer)
    }
}
