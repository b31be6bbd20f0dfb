import CFabricShims
import FabricCore
import Glibc

/// A fixed-size buffer bytes are copied into before they are sent. Pooled per loop.
final class OutboundChunk {
    let bytes: UnsafeMutableRawPointer
    let capacity: Int
    var count = 0

    init(capacity: Int) {
        bytes = .allocate(byteCount: capacity, alignment: 16)
        self.capacity = capacity
    }

    deinit { bytes.deallocate() }

    var freeCapacity: Int { capacity - count }
}

/// A loop's spare chunks, so a steady stream of writes allocates nothing.
struct OutboundChunkPool {
    private var spare: [OutboundChunk] = []

    mutating func take() -> OutboundChunk {
        spare.popLast() ?? OutboundChunk(capacity: Limits.streamWriteChunkBytes)
    }

    mutating func giveBack(_ chunk: OutboundChunk) {
        guard spare.count < Limits.loopSpareWriteChunksMax else { return }
        chunk.count = 0
        spare.append(chunk)
    }
}

/// The bytes a stream has queued and not yet sent, as a list of buffers to gather into one
/// `sendmsg`. Small writes are copied into pooled chunks (appended to the last one while it
/// has room); a large `[UInt8]` is kept as it is, as its own buffer, without a copy.
struct OutboundQueue {
    enum Item {
        case chunk(OutboundChunk)
        case array([UInt8])

        var count: Int {
            switch self {
            case .chunk(let chunk): chunk.count
            case .array(let array): array.count
            }
        }
    }

    /// Arrays at least this large are queued as they are; smaller ones are copied.
    static let arrayKeptWholeBytesMin = Limits.streamArrayKeptWholeBytesMin

    private var items = RingBuffer<Item>(initialCapacity: 4)
    /// Bytes of the first item already sent.
    private var sentOfFirst = 0
    /// Bytes queued and not yet sent.
    private(set) var byteCount = 0

    var isEmpty: Bool { byteCount == 0 }

    mutating func append(_ bytes: UnsafeRawBufferPointer, pool: inout OutboundChunkPool) {
        guard var source = bytes.baseAddress, bytes.count > 0 else { return }
        var remaining = bytes.count
        byteCount += remaining
        while remaining > 0 {
            let chunk = writableChunk(pool: &pool)
            let copied = min(remaining, chunk.freeCapacity)
            (chunk.bytes + chunk.count).copyMemory(from: source, byteCount: copied)
            chunk.count += copied
            source += copied
            remaining -= copied
        }
    }

    mutating func append(_ array: [UInt8], pool: inout OutboundChunkPool) {
        guard !array.isEmpty else { return }
        if array.count >= Self.arrayKeptWholeBytesMin {
            byteCount += array.count
            items.append(.array(array))
        } else {
            array.withUnsafeBytes { append($0, pool: &pool) }
        }
    }

    /// The last chunk if it has room, else a fresh one from the pool appended to the queue.
    private mutating func writableChunk(pool: inout OutboundChunkPool) -> OutboundChunk {
        if case .chunk(let last)? = items.last, last.freeCapacity > 0 { return last }
        let chunk = pool.take()
        items.append(.chunk(chunk))
        return chunk
    }

    /// Fills `vectors` (room for `capacity`) with the unsent bytes, front first, and calls `send`
    /// with the count filled and the bytes they hold; returns what `send` returns.
    func withVectors(
        _ vectors: UnsafeMutablePointer<iovec>, capacity: Int, _ send: (Int32, Int) -> Int
    ) -> Int {
        gather(from: 0, filled: 0, bytes: 0, vectors, capacity, send)
    }

    /// Chunks are filled in directly; an array's storage is only pinned inside its
    /// `withUnsafeBytes`, so the rest is gathered from within it (recursion depth is bounded
    /// by `capacity`).
    private func gather(
        from start: Int, filled startFilled: Int, bytes startBytes: Int,
        _ vectors: UnsafeMutablePointer<iovec>, _ capacity: Int, _ send: (Int32, Int) -> Int
    ) -> Int {
        var position = start
        var filled = startFilled
        var total = startBytes
        while position < items.count, filled < capacity {
            let skip = position == 0 ? sentOfFirst : 0
            switch items[position] {
            case .chunk(let chunk):
                vectors[filled] = iovec(iov_base: chunk.bytes + skip, iov_len: chunk.count - skip)
                total += chunk.count - skip
            case .array(let array):
                return array.withUnsafeBytes { raw in
                    let base = UnsafeMutableRawPointer(mutating: raw.baseAddress!) + skip
                    vectors[filled] = iovec(iov_base: base, iov_len: raw.count - skip)
                    return gather(
                        from: position + 1, filled: filled + 1, bytes: total + raw.count - skip,
                        vectors, capacity, send)
                }
            }
            filled += 1
            position += 1
        }
        return send(Int32(filled), total)
    }

    /// Drops `sent` bytes from the front, returning emptied chunks to the pool.
    mutating func removeFirst(_ sent: Int, pool: inout OutboundChunkPool) {
        precondition(sent >= 0 && sent <= byteCount, "removing \(sent) sent bytes of \(byteCount) queued")
        byteCount -= sent
        var remaining = sent
        while remaining > 0, let first = items.first {
            let unsent = first.count - sentOfFirst
            if remaining < unsent {
                sentOfFirst += remaining
                return
            }
            remaining -= unsent
            sentOfFirst = 0
            if case .chunk(let chunk)? = items.popFirst() { pool.giveBack(chunk) }
        }
    }

    /// Drops everything (the stream closed).
    mutating func removeAll(pool: inout OutboundChunkPool) {
        while let item = items.popFirst() {
            if case .chunk(let chunk) = item { pool.giveBack(chunk) }
        }
        sentOfFirst = 0
        byteCount = 0
    }
}
