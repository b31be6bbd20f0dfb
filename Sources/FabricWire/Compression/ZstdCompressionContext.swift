import CFabricZstd

/// Owns a zstd compression context, which is costly to create (hundreds of KiB of tables), so
/// that a frame encoder makes one and reuses it for every frame.
///
/// Not `Sendable`: a context must not be used by two threads at once, and the compiler keeps the
/// encoders that hold one inside a single isolation domain.
final class ZstdCompressionContext {
    private let context: OpaquePointer

    init() {
        guard let context = ZSTD_createCCtx() else {
            preconditionFailure("zstd could not allocate a compression context")
        }
        self.context = context
    }

    deinit { ZSTD_freeCCtx(context) }

    /// Appends the zstd frame of `input` to `output`.
    func compress(_ input: UnsafeRawBufferPointer, level: Int32, into output: inout [UInt8]) throws(WireError) {
        let bound = ZSTD_compressBound(input.count)
        guard ZSTD_isError(bound) == 0 else {
            throw WireError(.unsupported, "zstd cannot compress \(input.count) bytes")
        }
        let written = compress(input, level: level, appendingAtMost: bound, to: &output)
        guard let written else {
            throw WireError(.unsupported, "zstd compression of \(input.count) bytes failed")
        }
        precondition(written <= bound, "zstd wrote \(written) bytes past its bound \(bound)")
    }

    /// Appends the zstd frame of `input` to `output` if it takes fewer than `input.count` bytes
    /// and returns its size; otherwise leaves `output` as it was and returns nil. This is how the
    /// frame encoder decides to compress: zstd gives up as soon as its output would not be
    /// smaller, and a payload that does not shrink travels as it is.
    func compressIfSmaller(_ input: UnsafeRawBufferPointer, level: Int32, into output: inout [UInt8]) -> Int? {
        guard input.count > 1 else { return nil }
        return compress(input, level: level, appendingAtMost: input.count - 1, to: &output)
    }

    /// The zstd frame of `first` followed by `second`, compressed as one stream without joining
    /// them first (a call's envelope header and its arguments are two parts of one array), if
    /// it takes fewer bytes than the two together; nil otherwise. The output is written into an
    /// uninitialised array: nothing is cleared that zstd is about to overwrite (issue 14, §2:
    /// clearing and joining whole 16 MB buffers is what held the loops).
    func compressIfSmaller(
        _ first: UnsafeRawBufferPointer, then second: UnsafeRawBufferPointer, level: Int32
    ) -> [UInt8]? {
        let total = first.count + second.count
        guard total > 1 else { return nil }
        ZSTD_CCtx_reset(context, ZSTD_reset_session_only)
        // Declared, so that the receiver sizes its output once (`ZstdDecompressionContext`).
        guard ZSTD_isError(ZSTD_CCtx_setPledgedSrcSize(context, UInt64(total))) == 0,
            ZSTD_isError(ZSTD_CCtx_setParameter(context, ZSTD_c_compressionLevel, level)) == 0
        else { return nil }
        let capacity = total - 1
        var fits = false
        let output = [UInt8](unsafeUninitializedCapacity: capacity) { buffer, initializedCount in
            var destination = ZSTD_outBuffer(dst: buffer.baseAddress, size: capacity, pos: 0)
            var head = ZSTD_inBuffer(src: first.baseAddress, size: first.count, pos: 0)
            var tail = ZSTD_inBuffer(src: second.baseAddress, size: second.count, pos: 0)
            fits = Self.stream(&head, into: &destination, context: context, end: false)
                && Self.stream(&tail, into: &destination, context: context, end: true)
            initializedCount = fits ? destination.pos : 0
        }
        if !fits { ZSTD_CCtx_reset(context, ZSTD_reset_session_only) }
        return fits ? output : nil
    }

    /// Feeds all of `source` to the stream (and ends the frame when `end`); false when zstd
    /// fails or the output is full before it is done.
    private static func stream(
        _ source: inout ZSTD_inBuffer, into destination: inout ZSTD_outBuffer, context: OpaquePointer, end: Bool
    ) -> Bool {
        let directive = end ? ZSTD_e_end : ZSTD_e_continue
        while true {
            let remaining = ZSTD_compressStream2(context, &destination, &source, directive)
            guard ZSTD_isError(remaining) == 0 else { return false }
            if end ? remaining == 0 : source.pos == source.size { return true }
            // Input or flushing left with the output full: it does not shrink.
            if destination.pos == destination.size { return false }
        }
    }

    /// Compresses into at most `capacity` bytes appended to `output`; nil (and `output`
    /// unchanged) when zstd fails, including when the frame does not fit. Into an empty array
    /// the output is written uninitialised, not cleared first.
    private func compress(
        _ input: UnsafeRawBufferPointer, level: Int32, appendingAtMost capacity: Int, to output: inout [UInt8]
    ) -> Int? {
        if output.isEmpty {
            var result = 0
            output = [UInt8](unsafeUninitializedCapacity: capacity) { buffer, initializedCount in
                result = ZSTD_compressCCtx(context, buffer.baseAddress, capacity, input.baseAddress, input.count, level)
                initializedCount = ZSTD_isError(result) == 0 ? result : 0
            }
            guard ZSTD_isError(result) == 0 else {
                output = []
                return nil
            }
            return result
        }
        let start = output.count
        output.reserveCapacity(start + capacity)
        output.append(contentsOf: repeatElement(0, count: capacity))
        let result = output.withUnsafeMutableBytes { raw in
            ZSTD_compressCCtx(
                context, raw.baseAddress! + start, capacity, input.baseAddress, input.count, level)
        }
        guard ZSTD_isError(result) == 0 else {
            output.removeLast(capacity)
            return nil
        }
        output.removeLast(capacity - result)
        return result
    }
}
