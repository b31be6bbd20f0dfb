import CFabricZstd
import FabricCore

/// One large zstd payload decompressed a slice at a time (`Limits.decompressionSliceBytes` of
/// output per `step`), so that the loop that receives it serves other frames between slices
/// instead of spending milliseconds on it in one go (issue 14, §2).
///
/// Only for a frame that declares its content size within the cap: the output is made once at
/// that size and never cleared (zstd writes every byte of it before anything reads it; a frame
/// that ends short of its declaration fails, and its array is dropped unread). It has its own
/// zstd context, since the connection's may decompress overtaking frames meanwhile. Not
/// `Sendable`: one isolation domain, the connection's.
final class ZstdSlicedDecompression {
    private let context: OpaquePointer
    /// The compressed frame, owned (the read buffer it came from is reused).
    private let input: [UInt8]
    private var consumed = 0
    private var output: [UInt8]
    private(set) var produced = 0
    /// Output bytes per `step`.
    let sliceBytes: Int

    /// Starts decompressing `input`, which declares `size` bytes (at most `cap`).
    init(_ input: [UInt8], declaredSize size: Int, cap: Int, sliceBytes: Int) throws(WireError) {
        precondition(size >= 0 && size <= cap && sliceBytes > 0, "slicing \(size) bytes (cap \(cap)) by \(sliceBytes)")
        guard let context = ZSTD_createDCtx() else {
            preconditionFailure("zstd could not allocate a decompression context")
        }
        self.context = context
        self.input = input
        self.sliceBytes = sliceBytes
        // Uninitialised on purpose (see the type's comment): every byte is written by zstd
        // before the array is handed out, or the array is dropped.
        output = [UInt8](unsafeUninitializedCapacity: size) { _, initializedCount in initializedCount = size }
        let capBits = Int.bitWidth - Swift.max(cap - 1, 1).leadingZeroBitCount
        let windowLog = Int32(Swift.min(Swift.max(capBits + 1, 10), 30))
        guard ZSTD_isError(ZSTD_DCtx_setParameter(context, ZSTD_d_windowLogMax, windowLog)) == 0 else {
            throw WireError(.decompressionFailed, "zstd refused window log \(windowLog)")
        }
    }

    deinit { ZSTD_freeDCtx(context) }

    /// The size a compressed payload declares, when it declares one; nil when it does not (or
    /// is not a zstd frame: the one-shot path reports that).
    static func declaredSize(of input: UnsafeRawBufferPointer) -> Int? {
        let declared = ZSTD_getFrameContentSize(input.baseAddress, input.count)
        guard declared != UInt64.max, declared != UInt64.max - 1, declared <= UInt64(Int.max) else { return nil }
        return Int(declared)
    }

    /// Decompresses up to `sliceBytes` more; the whole payload once the frame is complete,
    /// else nil. Throws when the frame is malformed, truncated, or longer or shorter than it
    /// declared.
    func step() throws(WireError) -> [UInt8]? {
        let size = output.count
        let end = Swift.min(size, produced + sliceBytes)
        var source = ZSTD_inBuffer(src: nil, size: 0, pos: 0)
        let (written, hint) = input.withUnsafeBytes { raw in
            source = ZSTD_inBuffer(src: raw.baseAddress, size: raw.count, pos: consumed)
            return output.withUnsafeMutableBytes { out in
                var destination = ZSTD_outBuffer(dst: out.baseAddress! + produced, size: end - produced, pos: 0)
                let hint = ZSTD_decompressStream(context, &destination, &source)
                return (destination.pos, hint)
            }
        }
        guard ZSTD_isError(hint) == 0 else {
            throw WireError(.decompressionFailed, "zstd: " + String(cString: ZSTD_getErrorName(hint)))
        }
        let progressed = written > 0 || source.pos > consumed
        produced += written
        consumed = source.pos
        if hint == 0 {
            guard consumed == input.count else {
                throw WireError(.decompressionFailed, "\(input.count - consumed) bytes after the zstd frame")
            }
            guard produced == size else {
                throw WireError(.decompressionFailed, "zstd frame of \(produced) bytes declared \(size)")
            }
            return output
        }
        // Neither read nor wrote: the input ended inside the frame, or the output is full at
        // its declared size and zstd has more (a frame longer than it said).
        guard progressed else {
            throw WireError(.decompressionFailed, "zstd frame truncated or longer than its declared \(size) bytes")
        }
        return nil
    }
}
