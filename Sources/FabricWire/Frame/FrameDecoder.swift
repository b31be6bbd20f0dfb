import FabricCore

/// Turns the bytes of a connection into frames, incrementally: pure (no I/O), so the transport
/// reads into it and the simulator and tests feed it directly.
///
/// Every frame's length is checked against `frameBytesMax` as soon as its 4 bytes arrive, before
/// the decoder makes room for the rest, and its flags as soon as they arrive; the CRC32C trailer
/// is verified before the payload is looked at; zstd payloads are decompressed with an output
/// cap. A `WireError` from `nextFrame()` means the connection is broken: close it with the
/// error as the reason. Calling again rethrows the same error, since nothing was consumed.
///
/// Feed bytes (`withUnsafeWriteSpace` or `feed`), then call `nextFrame()` until it returns nil,
/// before feeding more: the buffer then never holds more than one frame plus one read, and it
/// is compacted and shrunk as frames leave.
///
/// Payloads are copied once, into an array of their own, and the read buffer is reused.
/// Measured in a release build (`Docs/WireProtocol.md`, "Decoder design"): handing the read
/// buffer itself to a large payload and starting a new buffer avoids the copy, but makes the
/// allocator give the memory back and fault it in again on every frame, 8 to 15 times slower
/// than copying at 10 GB/s or more; and a slice of a buffer that is later written to would make
/// copy-on-write duplicate the whole buffer.
///
/// Not `Sendable` (it reuses a zstd context): keep it in the connection's isolation domain.
package struct FrameDecoder {
    /// The largest `length` accepted. Lower it to `Limits.handshakeBytesMax` until the handshake
    /// is done, then set it to the agreed limit.
    package var frameBytesMax: Int {
        didSet { Self.checkFrameBytesMax(frameBytesMax) }
    }
    /// Whether compressed frames are allowed: false until both sides agreed on compression, and
    /// until then a compressed frame is `badFlags`.
    package var acceptsCompression = false
    /// Whether every frame must carry a CRC32C trailer: set once checksums were agreed, so that
    /// a frame whose checksum bit was flipped off in transit is `badFlags` instead of being
    /// read unchecked (with its trailer taken for payload).
    package var requiresChecksum = false

    /// The read buffer: bytes `readIndex..<writeIndex` are received and not yet decoded; every
    /// byte of `storage` counts as capacity.
    var storage: [UInt8] = []
    /// Whether payloads handed out are slices of `storage` (so it must not be written again).
    var storageIsShared = false
    var readIndex = 0
    var writeIndex = 0
    /// Whether fragmented messages are allowed: false until both sides agreed on them, and
    /// until then a frame with `more-fragments` is `unsupported`.
    package var acceptsFragments = false
    /// Bytes the messages being reassembled may hold together (`limitExceeded` past it).
    package var reassemblyBytesMax = Limits.default.fragmentReassemblyBytesMax
    /// Messages whose fragments are arriving, by kind and message id.
    var partialMessages: [FragmentKey: PartialMessage] = [:]
    /// Bytes `partialMessages` hold.
    var partialBytes = 0
    /// Made on the first compressed frame.
    var decompressionContext: ZstdDecompressionContext?
    /// Bytes of decompressed payload produced so far (wrapping), so that the connection can
    /// bound the decompression work of one loop turn.
    package internal(set) var decompressedBytes = 0
    /// Decompress compressed messages that declare more than this in slices of this many
    /// output bytes (`FrameDecoder+Slices`); nil decompresses every message in one go.
    package var decompressionSliceBytes: Int?
    /// The message being decompressed in slices.
    var sliced: SlicedMessage?
    /// Slices decompressed so far (wrapping): tests count work in slices, not in time.
    package internal(set) var slicesDone = 0
    /// Read buffers allocated so far (wrapping): a test holds the regrowths of a large frame
    /// to about log2 of its size.
    package internal(set) var reallocations = 0

    /// Capacity the buffer starts with and never goes below once it has any.
    static let initialCapacity = Limits.frameReadBufferBytesInitial
    /// A buffer larger than this (grown for a large frame) is released once it is empty, so an
    /// idle connection does not keep a large frame's worth of memory.
    static let retainedCapacityMax = Limits.frameReadBufferBytesKeptMax

    /// A decoder with an empty buffer, accepting frames up to `frameBytesMax` and no compression.
    package init(frameBytesMax: Int) {
        Self.checkFrameBytesMax(frameBytesMax)
        self.frameBytesMax = frameBytesMax
    }

    /// Bytes received and not yet returned as frames.
    package var bufferedBytes: Int { writeIndex - readIndex }

    /// Bytes the read buffer holds room for, used or not.
    package var bufferCapacity: Int { storage.count }

    /// The next complete frame, or nil when more bytes are needed. A message sent as several
    /// fragments comes out whole, once its last fragment is in (`FrameDecoder+Fragments`).
    package mutating func nextFrame() throws(WireError) -> Frame? {
        while true {
            switch try nextWireFrame() {
            case nil: return nil
            case .whole(let frame)?: return frame
            case .fragmentTaken?, .slicingStarted?: continue
            }
        }
    }

    /// What one frame on the wire came to.
    enum WireFrame {
        case whole(Frame)
        /// A fragment was added to its message, which is not complete yet.
        case fragmentTaken
        /// A large compressed message is complete and is being decompressed in slices.
        case slicingStarted
    }

    private mutating func nextWireFrame() throws(WireError) -> WireFrame? {
        let available = bufferedBytes
        guard available >= FrameLayout.lengthFieldBytes else { return nil }
        let length = try checkedLength()
        guard available >= FrameLayout.lengthFieldBytes + FrameLayout.flagsBytes else { return nil }
        let flags = try FrameFlags(
            validating: load(UInt16.self, at: readIndex + FrameLayout.flagsOffset),
            acceptsCompression: acceptsCompression, acceptsFragments: acceptsFragments)
        // Behind a message being decompressed in slices only higher priorities go on.
        guard !waitsForSlicedMessage(priority: flags.priority) else { return nil }
        guard flags.isChecksummed || !requiresChecksum else {
            throw WireError(.badFlags, "\(flags.kind) frame without the agreed checksum")
        }
        guard length >= FrameLayout.minimumLength + flags.trailerBytes else {
            throw WireError(.frameTooLarge, "length \(length) too small for a checksummed frame")
        }
        let frameEnd = readIndex + FrameLayout.lengthFieldBytes + length
        guard frameEnd <= writeIndex else { return nil }
        let messageID = load(UInt64.self, at: readIndex + FrameLayout.messageIDOffset)
        guard flags.kind != .handshake || messageID == 0 else {
            throw WireError(.malformed, "handshake frame with message id \(messageID)")
        }
        if flags.isChecksummed { try verifyChecksum(frameEnd: frameEnd) }
        let payloadRange = (readIndex + FrameLayout.headerBytes)..<(frameEnd - flags.trailerBytes)
        let key = FragmentKey(kind: flags.kind, messageID: messageID)
        if flags.hasMoreFragments || (!partialMessages.isEmpty && partialMessages[key] != nil) {
            switch try takeFragment(payloadRange, frameEnd: frameEnd, flags: flags, key: key) {
            case nil: return .fragmentTaken
            case .slicing?: return .slicingStarted
            case .whole(let whole)?: return .whole(whole)
            }
        }
        if flags.isCompressed, try startSlicingFrame(payloadRange, flags: flags, messageID: messageID) {
            consume(upTo: frameEnd)
            return .slicingStarted
        }
        let payload =
            flags.isCompressed
            ? try decompressPayload(payloadRange, frameEnd: frameEnd, flags: flags)
            : takePayload(payloadRange, frameEnd: frameEnd)
        return .whole(Frame(kind: flags.kind, priority: flags.priority, messageID: messageID, payload: payload))
    }

    /// Starts slicing the compressed whole frame at `range` when it is large (its compressed
    /// bytes copied out: the read buffer is reused).
    private mutating func startSlicingFrame(
        _ range: Range<Int>, flags: FrameFlags, messageID: UInt64
    ) throws(WireError) -> Bool {
        guard let sliceBytes = decompressionSliceBytes, sliced == nil,
            let declared = storage.withUnsafeBytes({ raw in
                ZstdSlicedDecompression.declaredSize(of: UnsafeRawBufferPointer(rebasing: raw[range]))
            }), declared > sliceBytes
        else { return false }
        let cap = frameBytesMax - FrameLayout.minimumLength - flags.trailerBytes
        let input = Array(storage[range])
        return try startSlicing(input, kind: flags.kind, priority: flags.priority, messageID: messageID, cap: cap)
    }

    /// The length field of the frame at `readIndex`, within `minimumLength...frameBytesMax`.
    private func checkedLength() throws(WireError) -> Int {
        let length = Int(load(UInt32.self, at: readIndex))
        guard length >= FrameLayout.minimumLength else {
            throw WireError(.frameTooLarge, "length \(length) under the minimum of \(FrameLayout.minimumLength)")
        }
        guard length <= frameBytesMax else {
            throw WireError(.frameTooLarge, "length \(length) over the limit of \(frameBytesMax)")
        }
        return length
    }

    private func verifyChecksum(frameEnd: Int) throws(WireError) {
        let trailerStart = frameEnd - FrameLayout.checksumBytes
        let expected = load(UInt32.self, at: trailerStart)
        let coveredStart = readIndex + FrameLayout.lengthFieldBytes
        let actual = storage.withUnsafeBytes { raw in
            CRC32C.checksum(UnsafeRawBufferPointer(rebasing: raw[coveredStart..<trailerStart]))
        }
        guard actual == expected else {
            throw WireError(.checksumMismatch, "CRC32C \(actual) computed, \(expected) in the trailer")
        }
    }

    /// A big-endian integer from the read buffer.
    func load<Integer: FixedWidthInteger & BitwiseCopyable>(_ type: Integer.Type, at offset: Int) -> Integer {
        storage.withUnsafeBytes { raw in
            Integer(bigEndian: raw.loadUnaligned(fromByteOffset: offset, as: Integer.self))
        }
    }

    private static func checkFrameBytesMax(_ value: Int) {
        let lowest = FrameLayout.minimumLength + FrameLayout.checksumBytes
        precondition(
            value >= lowest && value <= Limits.frameBytesCeiling,
            "frame limit \(value) outside \(lowest)...\(Limits.frameBytesCeiling)")
    }
}
