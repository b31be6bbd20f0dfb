/// What a queued entry will do when its time comes.
@usableFromInline
enum SimulationEntryKind: UInt8 {
    /// Deliver the in-flight message in slot `payload` to `node`.
    case delivery
    /// The node's deadline timer; stale unless `payload` is the node's current timer token.
    case timer
    /// A wake-up the node asked for; stale unless `payload` is the node's life (epoch).
    case wakeRequest
    /// Start the node's life `payload` (initial start, restart, added node).
    case start
    /// After a resume: wake the node if its timers became due while it was paused.
    case resumeWake
    /// Run the scheduled script `payload`.
    case script
}

/// One entry of the event queue: small and trivially copyable, so the heap moves words, never
/// references (messages wait in the in-flight slab, scripts in their own array).
@usableFromInline
struct SimulationEntry {
    /// When it happens, in nanoseconds of simulated time.
    @usableFromInline var time: UInt64
    /// The order in which entries were queued: ties in `time` are broken by it, so two entries
    /// due at one instant always run in the order they were made (this is what makes runs repeat).
    @usableFromInline var sequence: UInt64
    /// A slot, a token or an index, depending on `kind`.
    @usableFromInline var payload: UInt64
    /// The node it concerns (unused for scripts).
    @usableFromInline var node: Int32
    /// What it does.
    @usableFromInline var kind: SimulationEntryKind

    @inlinable
    init(time: UInt64, sequence: UInt64, payload: UInt64, node: Int32, kind: SimulationEntryKind) {
        self.time = time
        self.sequence = sequence
        self.payload = payload
        self.node = node
        self.kind = kind
    }

    /// Whether `self` comes before `other`: earlier time, then earlier sequence.
    @inlinable @inline(__always)
    func precedes(_ other: SimulationEntry) -> Bool {
        time != other.time ? time < other.time : sequence < other.sequence
    }
}

/// A binary min-heap of entries ordered by (time, sequence).
///
/// Sequence numbers are unique, so the order is total and the heap's shape never decides which of
/// two simultaneous entries runs first.
@usableFromInline
struct SimulationQueue {
    @usableFromInline var entries: [SimulationEntry] = []

    @inlinable init() {}

    /// How many entries wait.
    @inlinable var count: Int { entries.count }

    /// The earliest entry, without removing it.
    @inlinable var first: SimulationEntry? { entries.first }

    /// Adds an entry.
    @inlinable
    mutating func push(_ entry: SimulationEntry) {
        entries.append(entry)
        var child = entries.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard entry.precedes(entries[parent]) else { break }
            entries[child] = entries[parent]
            child = parent
        }
        entries[child] = entry
    }

    /// Removes and returns the earliest entry, or nil when the queue is empty.
    @inlinable
    mutating func pop() -> SimulationEntry? {
        guard let last = entries.popLast() else { return nil }
        guard !entries.isEmpty else { return last }
        let top = entries[0]
        let count = entries.count
        var parent = 0
        while true {
            var child = 2 * parent + 1
            if child >= count { break }
            if child + 1 < count, entries[child + 1].precedes(entries[child]) { child += 1 }
            guard entries[child].precedes(last) else { break }
            entries[parent] = entries[child]
            parent = child
        }
        entries[parent] = last
        return top
    }
}
