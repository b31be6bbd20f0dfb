import FabricCore

/// What a leader knows of one follower's log, and how it paces appends to it (etcd-raft's
/// progress tracking; Figure 2's nextIndex and matchIndex plus flow control).
public struct RaftProgress: Sendable, Hashable {
    /// How the leader sends to the follower.
    public enum State: Sendable, Hashable {
        /// Not known where the logs agree: one append at a time, waiting for its answer.
        case probe
        /// The logs agree through `match`: appends are pipelined, up to the in-flight limits.
        case replicate
        /// A snapshot through `pendingIndex` is on its way; no appends until it is acknowledged.
        case snapshot(pendingIndex: RaftIndex)
    }

    /// matchIndex (Figure 2): the highest index known replicated on the follower.
    public internal(set) var match: RaftIndex
    /// nextIndex (Figure 2): the next index to send.
    public internal(set) var next: RaftIndex
    /// The sending state.
    public internal(set) var state: State = .probe
    /// In the probe state: an append was sent and its answer (or a heartbeat's) is awaited.
    public internal(set) var probeSent = false
    /// Whether the follower was heard from since the last check-quorum round (thesis §6.2).
    public internal(set) var recentlyActive = false
    /// Appends in flight in the replicate state: (last index carried, bytes), oldest first.
    var inflights: [(index: RaftIndex, bytes: Int)] = []
    /// Bytes in `inflights`.
    var inflightBytes = 0

    init(next: RaftIndex) {
        match = 0
        self.next = next
    }

    public static func == (lhs: RaftProgress, rhs: RaftProgress) -> Bool {
        lhs.match == rhs.match && lhs.next == rhs.next && lhs.state == rhs.state && lhs.probeSent == rhs.probeSent
            && lhs.inflights.map(\.index) == rhs.inflights.map(\.index)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(match)
        hasher.combine(next)
    }

    /// Whether the leader must not send appends now (flow control).
    func isPaused(inflightAppendsMax: Int, inflightBytesMax: Int) -> Bool {
        switch state {
        case .probe: return probeSent
        case .replicate: return inflights.count >= inflightAppendsMax || inflightBytes >= inflightBytesMax
        case .snapshot: return true
        }
    }

    mutating func becomeProbe() {
        if case .snapshot(let pending) = state {
            next = max(match + 1, pending + 1)
        } else {
            next = match + 1
        }
        state = .probe
        probeSent = false
        clearInflights()
    }

    mutating func becomeReplicate() {
        state = .replicate
        next = match + 1
        probeSent = false
        clearInflights()
    }

    mutating func becomeSnapshot(_ index: RaftIndex) {
        state = .snapshot(pendingIndex: index)
        probeSent = false
        clearInflights()
    }

    mutating func clearInflights() {
        inflights = []
        inflightBytes = 0
    }

    /// An append through `lastIndex` carrying `bytes` was sent.
    mutating func sentAppend(lastIndex: RaftIndex, bytes: Int, entryCount: Int) {
        switch state {
        case .replicate:
            if entryCount > 0 {
                next = lastIndex + 1
                inflights.append((lastIndex, bytes))
                inflightBytes += bytes
            }
        case .probe:
            probeSent = true
        case .snapshot:
            preconditionFailure("sending an append to a follower waiting for a snapshot")
        }
    }

    /// The follower acknowledged through `index`; false when the answer is stale.
    mutating func acknowledged(_ index: RaftIndex) -> Bool {
        var updated = false
        if index > match {
            match = index
            updated = true
            probeSent = false
        }
        next = max(next, index + 1)
        while let first = inflights.first, first.index <= index {
            inflights.removeFirst()
            inflightBytes -= first.bytes
        }
        return updated
    }

    /// The follower rejected an append at `rejected`; moves `next` back toward `hint + 1`.
    /// False when the rejection is stale (etcd-raft's maybeDecrTo).
    mutating func rejected(_ rejected: RaftIndex, hint: RaftIndex) -> Bool {
        if state == .replicate {
            guard rejected > match else { return false }
            next = match + 1
            return true
        }
        guard next == rejected + 1 else { return false }
        next = max(min(rejected, hint + 1), match + 1)
        probeSent = false
        return true
    }

    /// One in-flight slot is freed when a heartbeat is answered while full, so a lost append does
    /// not stall the follower forever.
    mutating func freeOldestInflight() {
        guard !inflights.isEmpty else { return }
        inflightBytes -= inflights.removeFirst().bytes
    }
}
