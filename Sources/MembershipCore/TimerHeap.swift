import FabricCore

/// A deadline the core keeps besides its fixed ticks (probe, gossip, push-pull).
struct CoreTimer: Sendable {
    /// What is due.
    enum Kind: Sendable, Hashable {
        /// A suspicion of the node times out (unless refuted or its deadline moved).
        case suspicion(NodeId)
        /// A down or left node's tombstone expires.
        case tombstone(NodeId)
        /// A relayed ping-request's nack is due (Lifeguard §IV-A).
        case relayNack(UInt32)
        /// A relayed ping-request is forgotten.
        case relayExpiry(UInt32)
    }

    var at: Instant
    var serial: UInt64
    var kind: Kind
}

/// A binary min-heap of timers by (instant, insertion order), with lazy deletion: a timer whose
/// subject has changed is discarded when it reaches the top (the core checks it still holds).
struct TimerHeap: Sendable {
    private var items: [CoreTimer] = []
    private var nextSerial: UInt64 = 0

    var top: CoreTimer? { items.first }
    var count: Int { items.count }

    mutating func push(_ kind: CoreTimer.Kind, at: Instant) {
        nextSerial &+= 1
        items.append(CoreTimer(at: at, serial: nextSerial, kind: kind))
        var child = items.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard Self.less(items[child], items[parent]) else { break }
            items.swapAt(child, parent)
            child = parent
        }
    }

    @discardableResult
    mutating func pop() -> CoreTimer? {
        guard !items.isEmpty else { return nil }
        items.swapAt(0, items.count - 1)
        let first = items.removeLast()
        var parent = 0
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var smallest = parent
            if left < items.count, Self.less(items[left], items[smallest]) { smallest = left }
            if right < items.count, Self.less(items[right], items[smallest]) { smallest = right }
            if smallest == parent { break }
            items.swapAt(parent, smallest)
            parent = smallest
        }
        return first
    }

    private static func less(_ a: CoreTimer, _ b: CoreTimer) -> Bool {
        a.at != b.at ? a.at < b.at : a.serial < b.serial
    }
}
