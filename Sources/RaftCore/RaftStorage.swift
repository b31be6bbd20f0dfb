import FabricCore

/// The stable part of a node's log and state, read synchronously by the core (as etcd-raft's
/// `Storage`).
///
/// The core owns the storage value. The shell makes a `RaftReady` durable (its own write-ahead
/// log, fsync), then calls `advance`, and the core records what became stable through the
/// `persisted…` methods. For `MemoryRaftStorage` those are the storage itself; a disk storage
/// (a class) updates its index of what the write-ahead log holds. Reads must only ever see what
/// was persisted.
public protocol RaftStorage: Sendable {
    /// The hard state and membership to start from (after a restart: what was persisted).
    var initialState: (hardState: RaftHardState, membership: RaftMembership) { get }
    /// The index of the first entry still kept (the snapshot's index + 1).
    var firstIndex: RaftIndex { get }
    /// The index of the last entry kept (the snapshot's index when there are none).
    var lastIndex: RaftIndex { get }
    /// The term of the entry at `index`; valid from `firstIndex - 1` (the snapshot's term) to
    /// `lastIndex`.
    func term(at index: RaftIndex) throws(RaftStorageError) -> RaftTerm
    /// Entries in `range` (inside firstIndex...lastIndex), at most `bytesMax` bytes but at least one.
    func entries(_ range: Range<RaftIndex>, bytesMax: Int) throws(RaftStorageError) -> [RaftEntry]
    /// The latest snapshot.
    var snapshot: RaftSnapshot { get }

    /// `entries` are durable: entries at and after the first one's index are replaced by them.
    mutating func persisted(entries: [RaftEntry])
    /// `hardState` is durable.
    mutating func persisted(hardState: RaftHardState)
    /// `snapshot` is durable and replaces the whole log before and at its index.
    mutating func persisted(snapshot: RaftSnapshot)
    /// The application made `snapshot` of its state (at an applied index); entries through its
    /// index may be discarded.
    mutating func compact(to snapshot: RaftSnapshot)
}

/// A storage held in memory, for tests and simulation (and as the shape a disk storage follows).
public struct MemoryRaftStorage: RaftStorage {
    /// Entries after the snapshot, in order; `entries[0]` is at `snapshot.metadata.index + 1`.
    private var entriesAfterSnapshot: [RaftEntry] = []
    /// The latest snapshot (index 0 before any).
    public private(set) var snapshot: RaftSnapshot
    /// The persisted hard state.
    public private(set) var hardState: RaftHardState

    /// A storage for a new group of `membership`, or a restart from what `hardState` says.
    public init(membership: RaftMembership, hardState: RaftHardState = RaftHardState()) {
        snapshot = RaftSnapshot(metadata: RaftSnapshotMetadata(index: 0, term: 0, membership: membership), data: [])
        self.hardState = hardState
    }

    /// The hard state and the membership as of the snapshot (later changes replay from the log).
    public var initialState: (hardState: RaftHardState, membership: RaftMembership) {
        (hardState, snapshot.metadata.membership)
    }

    public var firstIndex: RaftIndex { snapshot.metadata.index + 1 }
    public var lastIndex: RaftIndex { snapshot.metadata.index + RaftIndex(entriesAfterSnapshot.count) }

    public func term(at index: RaftIndex) throws(RaftStorageError) -> RaftTerm {
        let base = snapshot.metadata.index
        if index < base { throw .compacted }
        if index == base { return snapshot.metadata.term }
        if index > lastIndex { throw .unavailable }
        return entriesAfterSnapshot[Int(index - base - 1)].term
    }

    public func entries(_ range: Range<RaftIndex>, bytesMax: Int) throws(RaftStorageError) -> [RaftEntry] {
        if range.lowerBound < firstIndex { throw .compacted }
        if range.upperBound > lastIndex + 1 { throw .unavailable }
        let base = snapshot.metadata.index + 1
        var result: [RaftEntry] = []
        var bytes = 0
        for position in Int(range.lowerBound - base)..<Int(range.upperBound - base) {
            let entry = entriesAfterSnapshot[position]
            bytes += entry.byteCount
            if !result.isEmpty && bytes > bytesMax { break }
            result.append(entry)
        }
        return result
    }

    public mutating func persisted(entries: [RaftEntry]) {
        guard let first = entries.first else { return }
        let base = snapshot.metadata.index
        guard let last = entries.last, last.index > base else { return }
        let kept = entries.drop { $0.index <= base }
        let start = kept.first!.index
        precondition(start <= lastIndex + 1, "gap in persisted entries: \(start) after last \(lastIndex), first given \(first.index)")
        entriesAfterSnapshot.removeSubrange(Int(start - base - 1)...)
        entriesAfterSnapshot.append(contentsOf: kept)
    }

    public mutating func persisted(hardState: RaftHardState) { self.hardState = hardState }

    public mutating func persisted(snapshot: RaftSnapshot) {
        guard snapshot.metadata.index > self.snapshot.metadata.index else { return }
        self.snapshot = snapshot
        entriesAfterSnapshot = []
    }

    public mutating func compact(to snapshot: RaftSnapshot) {
        let base = self.snapshot.metadata.index
        let index = snapshot.metadata.index
        guard index > base else { return }
        precondition(index <= lastIndex, "compacting to \(index) past the last index \(lastIndex)")
        entriesAfterSnapshot.removeFirst(Int(index - base))
        self.snapshot = snapshot
    }
}
