/// Getting a frame's payload out of the read buffer, and consuming the frame.
extension FrameDecoder {
    /// The uncompressed payload at `range`, as a slice of the read buffer (no copy: every frame
    /// of one read shares that read's buffer); consumes the frame ending at `frameEnd`. The
    /// buffer is then shared, so the next write goes to a new one (`reserveWriteSpace`).
    mutating func takePayload(_ range: Range<Int>, frameEnd: Int) -> ArraySlice<UInt8> {
        storageIsShared = true
        let payload = storage[range]
        consume(upTo: frameEnd)
        return payload
    }

    /// The decompressed zstd payload at `range`, capped so that the frame would fit in
    /// `frameBytesMax` uncompressed; consumes the frame ending at `frameEnd`.
    mutating func decompressPayload(
        _ range: Range<Int>, frameEnd: Int, flags: FrameFlags
    ) throws(WireError) -> ArraySlice<UInt8> {
        let context = decompressionContext ?? ZstdDecompressionContext()
        decompressionContext = context
        let cap = frameBytesMax - FrameLayout.minimumLength - flags.trailerBytes
        let outcome = storage.withUnsafeBytes { raw in
            Result { () throws(WireError) -> [UInt8] in
                var output: [UInt8] = []
                try context.decompress(
                    UnsafeRawBufferPointer(rebasing: raw[range]), outputBytesMax: cap, into: &output)
                return output
            }
        }
        let payload = try outcome.get()
        decompressedBytes &+= payload.count
        consume(upTo: frameEnd)
        return payload[...]
    }

    /// Marks the buffer up to `end` as decoded; an emptied buffer starts again at offset 0 and
    /// is released if it had grown large.
    mutating func consume(upTo end: Int) {
        readIndex = end
        guard readIndex == writeIndex else { return }
        readIndex = 0
        writeIndex = 0
        if storage.count > Self.retainedCapacityMax { storage = [] }
    }

    /// An array of `capacity` bytes starting with `bytes`; the rest is capacity for reads, not
    /// initialised (bytes are only read after being written).
    static func makeArray(copying bytes: UnsafeRawBufferPointer, capacity: Int) -> [UInt8] {
        precondition(capacity >= bytes.count, "capacity \(capacity) under \(bytes.count) bytes")
        return [UInt8](unsafeUninitializedCapacity: capacity) { buffer, initializedCount in
            if !bytes.isEmpty {
                UnsafeMutableRawBufferPointer(buffer).copyMemory(from: bytes)
            }
            initializedCount = capacity
        }
    }
}
