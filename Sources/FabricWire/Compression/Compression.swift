/// zstd compression of frame payloads (flag bit 3).
///
/// zstd at level 1 compresses at several hundred MB/s per core, fast enough to sit on the send
/// path of large messages; the frame encoder only uses it above a size threshold and only when
/// both nodes agreed on it in the handshake. Decompression always streams into a buffer with a
/// hard cap, whatever size the frame declares, so a small hostile frame cannot make a node
/// allocate more than the frame limit (a "zstd bomb").
///
/// These static functions create a zstd context per call; the frame encoder and decoder keep
/// one each and reuse it.
package enum Compression {
    /// The level frames are compressed at: zstd's fastest regular level, chosen for latency.
    package static let defaultLevel: Int32 = 1

    /// Appends the zstd frame of `input` (with its content size recorded) to `output`.
    /// Fails with `unsupported` only if zstd itself fails (out of memory, absurd input size).
    package static func compress(
        _ input: UnsafeRawBufferPointer, level: Int32 = defaultLevel, into output: inout [UInt8]
    ) throws(WireError) {
        try ZstdCompressionContext().compress(input, level: level, into: &output)
    }

    /// Appends the decompressed bytes of the single zstd frame in `input` to `output`, at most
    /// `outputBytesMax` of them.
    ///
    /// Fails with `decompressionFailed` (and leaves `output` as it was) on corrupt, truncated or
    /// trailing input, and on a frame that declares or produces more than `outputBytesMax`
    /// bytes; never allocates more than `outputBytesMax` bytes of output.
    package static func decompress(
        _ input: UnsafeRawBufferPointer, outputBytesMax: Int, into output: inout [UInt8]
    ) throws(WireError) {
        try ZstdDecompressionContext().decompress(input, outputBytesMax: outputBytesMax, into: &output)
    }
}
