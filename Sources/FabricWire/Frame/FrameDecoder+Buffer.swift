/// Getting bytes into the read buffer.
extension FrameDecoder {
    /// Lets the transport `read()` straight into the decoder's buffer: `body` gets at least
    /// `minimumCapacity` writable bytes (more when a frame being received needs them) and
    /// returns how many it wrote.
    package mutating func withUnsafeWriteSpace(
        minimumCapacity: Int, _ body: (UnsafeMutableRawBufferPointer) throws -> Int
    ) rethrows -> Int {
        precondition(minimumCapacity > 0, "write space of \(minimumCapacity) bytes requested")
        reserveWriteSpace(minimumCapacity)
        let start = writeIndex
        let written = try storage.withUnsafeMutableBytes { raw in
            try body(UnsafeMutableRawBufferPointer(rebasing: raw[start...]))
        }
        precondition(
            written >= 0 && written <= storage.count - start,
            "wrote \(written) bytes into \(storage.count - start) bytes of space")
        writeIndex += written
        return written
    }

    /// Copies `bytes` into the buffer: the alternative to `withUnsafeWriteSpace` for callers
    /// that already hold the bytes (tests, the simulator).
    package mutating func feed(_ bytes: UnsafeRawBufferPointer) {
        guard !bytes.isEmpty else { return }
        _ = withUnsafeWriteSpace(minimumCapacity: bytes.count) { space in
            space.copyMemory(from: bytes)
            return bytes.count
        }
    }

    /// Makes at least `minimum` bytes writable after `writeIndex`. A new buffer also has room
    /// for more of the frame being received, when its (already validated) length says it is
    /// larger — but never more than has already arrived of it: the buffer grows with the bytes,
    /// doubling, not with what the header claims. A peer that announces a 16 MiB frame and
    /// trickles it holds about twice what it sent (so thousands of such connections cannot pin
    /// 16 MiB each); a real large frame costs about log2(length / 16 KiB) regrowths, each
    /// copying what arrived so far (about twice the frame in all, whatever the read size: the
    /// buffer grows only when a read no longer fits). Moves unread bytes to the front when that
    /// makes room; replaces a buffer over `retainedCapacityMax` by one of the size needed.
    private mutating func reserveWriteSpace(_ minimum: Int) {
        let growth = min(bytesMissingFromPendingFrame(), max(bufferedBytes, Self.initialCapacity))
        if storageIsShared {
            // Payloads handed out still use the buffer: writing into it would copy all of it.
            // A new one, sized for what is unread plus this write, costs one allocation per
            // read instead of one per frame.
            reallocate(capacity: bufferedBytes + growth + minimum)
            return
        }
        guard storage.count - writeIndex < minimum else { return }
        let unread = bufferedBytes
        if unread + minimum <= storage.count, storage.count <= Self.retainedCapacityMax {
            moveUnreadToFront()
        } else {
            reallocate(capacity: max(unread + growth + minimum, Self.initialCapacity))
        }
    }

    /// Bytes still to arrive for the frame whose header is buffered, 0 when no valid length is
    /// buffered (an invalid one is reported by `nextFrame()`, never allocated for).
    private func bytesMissingFromPendingFrame() -> Int {
        guard bufferedBytes >= FrameLayout.lengthFieldBytes else { return 0 }
        let length = Int(load(UInt32.self, at: readIndex))
        guard length >= FrameLayout.minimumLength, length <= frameBytesMax else { return 0 }
        return max(0, FrameLayout.lengthFieldBytes + length - bufferedBytes)
    }

    private mutating func moveUnreadToFront() {
        let unread = bufferedBytes
        if unread > 0, readIndex > 0 {
            let source = readIndex
            storage.withUnsafeMutableBytes { raw in
                raw.baseAddress!.copyMemory(from: raw.baseAddress! + source, byteCount: unread)
            }
        }
        readIndex = 0
        writeIndex = unread
    }

    private mutating func reallocate(capacity: Int) {
        reallocations &+= 1
        let start = readIndex
        let end = writeIndex
        storage = storage.withUnsafeBytes { raw in
            Self.makeArray(copying: UnsafeRawBufferPointer(rebasing: raw[start..<end]), capacity: capacity)
        }
        storageIsShared = false
        readIndex = 0
        writeIndex = end - start
    }
}
