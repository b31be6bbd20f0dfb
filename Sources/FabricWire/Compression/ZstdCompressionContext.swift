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

    /// Compresses into at most `capacity` bytes appended to `output`; nil (and `output`
    /// unchanged) when zstd fails, including when the frame does not fit.
    private func compress(
        _ input: UnsafeRawBufferPointer, level: Int32, appendingAtMost capacity: Int, to output: inout [UInt8]
    ) -> Int? {
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
