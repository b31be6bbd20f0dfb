import CFabricZstd
import FabricCore

/// Owns a zstd decompression context so that a frame decoder makes one and reuses it, and
/// streams every decompression into a capped output.
///
/// Not `Sendable`: a context must not be used by two threads at once, and the compiler keeps the
/// decoders that hold one inside a single isolation domain. Every call resets the session, so
/// copies of a decoder sharing a context in turn is harmless.
final class ZstdDecompressionContext {
    private let context: OpaquePointer

    /// zstd's "content size unknown" answer (`ZSTD_CONTENTSIZE_UNKNOWN`).
    private static let contentSizeUnknown = UInt64.max
    /// zstd's "not a valid frame header" answer (`ZSTD_CONTENTSIZE_ERROR`).
    private static let contentSizeError = UInt64.max - 1
    /// Output allocated first when a frame does not declare its size.
    private static let undeclaredSizeFirstGuess = Limits.decompressionOutputBytesFirstGuess

    init() {
        guard let context = ZSTD_createDCtx() else {
            preconditionFailure("zstd could not allocate a decompression context")
        }
        self.context = context
    }

    deinit { ZSTD_freeDCtx(context) }

    /// Appends the decompressed single frame in `input` to `output`, at most `outputBytesMax`
    /// bytes; on failure `output` is left as it was.
    func decompress(
        _ input: UnsafeRawBufferPointer, outputBytesMax: Int, into output: inout [UInt8]
    ) throws(WireError) {
        precondition(outputBytesMax >= 0, "negative decompression cap \(outputBytesMax)")
        if output.isEmpty, let declared = try declaredSize(of: input, cap: outputBytesMax) {
            output = try decompressDeclared(input, size: declared, cap: outputBytesMax)
            return
        }
        let start = output.count
        do {
            try decompressFrame(input, outputBytesMax: outputBytesMax, startingAt: start, into: &output)
        } catch {
            output.removeSubrange(start...)
            throw error
        }
    }

    private func decompressFrame(
        _ input: UnsafeRawBufferPointer, outputBytesMax cap: Int, startingAt start: Int,
        into output: inout [UInt8]
    ) throws(WireError) {
        try resetSession(windowFor: cap)
        var capacity = try firstCapacity(for: input, cap: cap)
        var produced = 0
        var source = ZSTD_inBuffer(src: input.baseAddress, size: input.count, pos: 0)
        while true {
            if produced == capacity {
                guard capacity < cap else {
                    try confirmEnd(of: &source, cap: cap)
                    break
                }
                capacity = Swift.min(cap, Swift.max(capacity * 2, Self.undeclaredSizeFirstGuess))
            }
            if output.count < start + capacity {
                output.reserveCapacity(start + capacity)
                output.append(contentsOf: repeatElement(0, count: start + capacity - output.count))
            }
            let consumedBefore = source.pos
            let (written, remainingHint) = try step(&source, into: &output, from: start + produced, to: start + capacity)
            produced += written
            if remainingHint == 0 {
                try requireAllConsumed(source)
                break
            }
            try requireProgress(written: written, consumed: source.pos - consumedBefore)
        }
        output.removeSubrange((start + produced)...)
    }

    /// The content size the frame declares, when it declares one (checked against the cap).
    private func declaredSize(of input: UnsafeRawBufferPointer, cap: Int) throws(WireError) -> Int? {
        let declared = ZSTD_getFrameContentSize(input.baseAddress, input.count)
        switch declared {
        case Self.contentSizeUnknown, Self.contentSizeError: return nil  // the general path says why
        case let size where size > UInt64(cap):
            throw WireError(.decompressionFailed, "zstd frame declares \(size) bytes, over the cap of \(cap)")
        case let size: return Int(size)
        }
    }

    /// A frame that declares its size (every frame Fabric sends does), decompressed into an
    /// array of that size that is never cleared first: zero-filling 16 MB only for zstd to
    /// overwrite it was a tenth of a loop's time behind bulk (issue 14, §2). The declaration is
    /// still not trusted: output past it fails (`confirmEnd`), and zstd checks the frame's
    /// content against it.
    private func decompressDeclared(
        _ input: UnsafeRawBufferPointer, size: Int, cap: Int
    ) throws(WireError) -> [UInt8] {
        try resetSession(windowFor: cap)
        var failure: WireError?
        let output = [UInt8](unsafeUninitializedCapacity: size) { buffer, initializedCount in
            var source = ZSTD_inBuffer(src: input.baseAddress, size: input.count, pos: 0)
            var destination = ZSTD_outBuffer(dst: buffer.baseAddress, size: size, pos: 0)
            do throws(WireError) {
                while true {
                    let consumedBefore = source.pos, writtenBefore = destination.pos
                    let hint = ZSTD_decompressStream(context, &destination, &source)
                    try check(hint)
                    if hint == 0 {
                        try requireAllConsumed(source)
                        break
                    }
                    if destination.pos == size {
                        try confirmEnd(of: &source, cap: size)
                        break
                    }
                    try requireProgress(written: destination.pos - writtenBefore, consumed: source.pos - consumedBefore)
                }
            } catch {
                failure = error
            }
            initializedCount = failure == nil ? destination.pos : 0
        }
        if let failure { throw failure }
        return output
    }

    /// Starts a new frame and limits zstd's window to about the cap, so a frame asking for a
    /// huge window fails instead of making zstd allocate it.
    private func resetSession(windowFor cap: Int) throws(WireError) {
        ZSTD_DCtx_reset(context, ZSTD_reset_session_only)
        let capBits = Int.bitWidth - Swift.max(cap - 1, 1).leadingZeroBitCount
        let windowLog = Int32(Swift.min(Swift.max(capBits + 1, 10), 30))
        let result = ZSTD_DCtx_setParameter(context, ZSTD_d_windowLogMax, windowLog)
        guard ZSTD_isError(result) == 0 else {
            throw WireError(.decompressionFailed, "zstd refused window log \(windowLog)")
        }
    }

    /// The output to allocate first: the declared content size when there is one (plus a byte,
    /// so an honest frame ends without a regrow), never more than the cap. A declared size over
    /// the cap fails at once; the declaration is otherwise only a hint, never trusted.
    private func firstCapacity(for input: UnsafeRawBufferPointer, cap: Int) throws(WireError) -> Int {
        let declared = ZSTD_getFrameContentSize(input.baseAddress, input.count)
        switch declared {
        case Self.contentSizeError:
            throw WireError(.decompressionFailed, "not a zstd frame")
        case Self.contentSizeUnknown:
            return Swift.min(cap, Swift.max(Self.undeclaredSizeFirstGuess, input.count * 4))
        case let size where size > UInt64(cap):
            throw WireError(
                .decompressionFailed, "zstd frame declares \(size) bytes, over the cap of \(cap)")
        case let size:
            return Swift.min(cap, Int(size) + 1)
        }
    }

    /// One `ZSTD_decompressStream` call writing into `output[from..<to]`: bytes written and
    /// zstd's hint (0 once the frame is complete and flushed).
    private func step(
        _ source: inout ZSTD_inBuffer, into output: inout [UInt8], from: Int, to: Int
    ) throws(WireError) -> (written: Int, remainingHint: Int) {
        let result = output.withUnsafeMutableBytes { raw in
            var destination = ZSTD_outBuffer(dst: raw.baseAddress! + from, size: to - from, pos: 0)
            let hint = ZSTD_decompressStream(context, &destination, &source)
            return (destination.pos, hint)
        }
        try check(result.1)
        return result
    }

    /// With the output at the cap, asks zstd for one more byte: any byte means the frame is
    /// larger than the cap; a completed frame means it fit exactly.
    private func confirmEnd(of source: inout ZSTD_inBuffer, cap: Int) throws(WireError) {
        var probe: UInt8 = 0
        while true {
            let consumedBefore = source.pos
            let (written, hint) = try withUnsafeMutableBytes(of: &probe) { raw throws(WireError) in
                var destination = ZSTD_outBuffer(dst: raw.baseAddress, size: 1, pos: 0)
                let hint = ZSTD_decompressStream(context, &destination, &source)
                try check(hint)
                return (destination.pos, hint)
            }
            guard written == 0 else {
                throw WireError(.decompressionFailed, "zstd output exceeds the cap of \(cap) bytes")
            }
            if hint == 0 { return try requireAllConsumed(source) }
            try requireProgress(written: 0, consumed: source.pos - consumedBefore)
        }
    }

    private func check(_ result: Int) throws(WireError) {
        guard ZSTD_isError(result) == 0 else {
            throw WireError(.decompressionFailed, "zstd: " + String(cString: ZSTD_getErrorName(result)))
        }
    }

    /// A payload holds exactly one zstd frame: bytes after it are an error.
    private func requireAllConsumed(_ source: ZSTD_inBuffer) throws(WireError) {
        guard source.pos == source.size else {
            throw WireError(.decompressionFailed, "\(source.size - source.pos) bytes after the zstd frame")
        }
    }

    /// A step that neither read nor wrote means the input ended inside the frame; stopping
    /// here is also what guarantees the loop ends.
    private func requireProgress(written: Int, consumed: Int) throws(WireError) {
        guard written > 0 || consumed > 0 else {
            throw WireError(.decompressionFailed, "zstd frame truncated")
        }
    }
}
