import FabricCore

/// The replicated log as the core sees it: the stable part in `storage`, the unstable part (entries
/// and possibly a snapshot not yet persisted) in memory, and the commit and apply indices (§5.3,
/// Figure 2 "volatile state on all servers").
struct RaftLog: Sendable {
    var storage: any RaftStorage
    /// A received snapshot not yet persisted.
    var unstableSnapshot: RaftSnapshot?
    /// Entries not yet persisted; `unstableEntries[0]` is at `unstableOffset`.
    var unstableEntries: [RaftEntry] = []
    var unstableOffset: RaftIndex
    /// commitIndex.
    var committed: RaftIndex
    /// lastApplied: the last index the application acknowledged (through `advance`).
    var applied: RaftIndex

    init(storage: any RaftStorage) {
        self.storage = storage
        unstableOffset = storage.lastIndex + 1
        committed = max(storage.initialState.hardState.commit, storage.firstIndex - 1)
        applied = storage.firstIndex - 1
    }

    var firstIndex: RaftIndex {
        if let snapshot = unstableSnapshot { return snapshot.metadata.index + 1 }
        return storage.firstIndex
    }

    var lastIndex: RaftIndex {
        if !unstableEntries.isEmpty { return unstableOffset + RaftIndex(unstableEntries.count) - 1 }
        if let snapshot = unstableSnapshot { return snapshot.metadata.index }
        return storage.lastIndex
    }

    var lastTerm: RaftTerm { term(at: lastIndex) ?? 0 }

    /// The term at `index`, or nil when it is compacted or past the end.
    func term(at index: RaftIndex) -> RaftTerm? {
        if index < firstIndex - 1 || index > lastIndex { return nil }
        if index >= unstableOffset, !unstableEntries.isEmpty {
            return unstableEntries[Int(index - unstableOffset)].term
        }
        if let snapshot = unstableSnapshot, index == snapshot.metadata.index { return snapshot.metadata.term }
        return try? storage.term(at: index)
    }

    func matchTerm(_ index: RaftIndex, _ term: RaftTerm) -> Bool { self.term(at: index) == term }

    /// §5.4.1: a candidate's log is at least as up-to-date as ours when its last term is later,
    /// or the same with an index at least as large.
    func isUpToDate(lastIndex candidateIndex: RaftIndex, lastTerm candidateTerm: RaftTerm) -> Bool {
        candidateTerm > lastTerm || (candidateTerm == lastTerm && candidateIndex >= lastIndex)
    }

    /// Entries from `start` through the last, at most `bytesMax` (at least one) and `countMax`.
    func entries(from start: RaftIndex, bytesMax: Int, countMax: Int) throws(RaftStorageError) -> [RaftEntry] {
        if start < firstIndex { throw .compacted }
        let end = min(lastIndex + 1, start + RaftIndex(countMax))
        return try slice(start..<end, bytesMax: bytesMax)
    }

    func slice(_ range: Range<RaftIndex>, bytesMax: Int) throws(RaftStorageError) -> [RaftEntry] {
        if range.isEmpty { return [] }
        if range.lowerBound < firstIndex { throw .compacted }
        var result: [RaftEntry] = []
        var bytes = 0
        if range.lowerBound < unstableOffset {
            let stableEnd = min(range.upperBound, unstableOffset)
            result = try storage.entries(range.lowerBound..<stableEnd, bytesMax: bytesMax)
            bytes = result.reduce(0) { $0 + $1.byteCount }
            if RaftIndex(result.count) < stableEnd - range.lowerBound { return result }
        }
        let unstableStart = max(range.lowerBound, unstableOffset)
        if unstableStart < range.upperBound {
            for position in Int(unstableStart - unstableOffset)..<Int(range.upperBound - unstableOffset) {
                let entry = unstableEntries[position]
                bytes += entry.byteCount
                if !result.isEmpty && bytes > bytesMax { break }
                result.append(entry)
            }
        }
        return result
    }

    /// The first of `entries` that conflicts with the log (a different term at its index) or is
    /// new; 0 when all are already there (Figure 2, AppendEntries receiver rules 3 and 4).
    func firstConflictOrNew(in entries: [RaftEntry]) -> RaftIndex {
        for entry in entries where !matchTerm(entry.index, entry.term) { return entry.index }
        return 0
    }

    /// The fast-backoff hint: the largest index at or below `index` whose term is at most `term`,
    /// with that term (it may be where the logs agree).
    func lastIndexWithTermAtMost(_ term: RaftTerm, atOrBelow index: RaftIndex) -> (index: RaftIndex, term: RaftTerm) {
        var probe = min(index, lastIndex)
        while true {
            guard let found = self.term(at: probe) else { return (probe, 0) }
            if found <= term { return (probe, found) }
            if probe == 0 { return (0, 0) }
            probe -= 1
        }
    }

    /// Appends `entries` (contiguous, starting at most one past the last index), replacing any
    /// conflicting suffix (Figure 2, AppendEntries receiver rule 3).
    mutating func append(_ entries: [RaftEntry]) {
        guard let first = entries.first else { return }
        precondition(first.index > committed, "truncating committed entry \(first.index) (commit \(committed))")
        precondition(first.index <= lastIndex + 1, "gap: appending \(first.index) after \(lastIndex)")
        if first.index == unstableOffset + RaftIndex(unstableEntries.count) {
            unstableEntries.append(contentsOf: entries)
        } else if first.index <= unstableOffset {
            unstableOffset = first.index
            unstableEntries = entries
        } else {
            unstableEntries.removeSubrange(Int(first.index - unstableOffset)...)
            unstableEntries.append(contentsOf: entries)
        }
    }

    mutating func commit(to index: RaftIndex) {
        guard index > committed else { return }
        precondition(index <= lastIndex, "committing \(index) past the last index \(lastIndex)")
        committed = index
    }

    /// Entries through `index` of `term` were persisted (ignored when the unstable log changed
    /// under them since the ready was taken).
    mutating func stable(to index: RaftIndex, term: RaftTerm) {
        guard index >= unstableOffset, !unstableEntries.isEmpty,
              index < unstableOffset + RaftIndex(unstableEntries.count),
              unstableEntries[Int(index - unstableOffset)].term == term else { return }
        unstableEntries.removeFirst(Int(index - unstableOffset + 1))
        unstableOffset = index + 1
    }

    /// Replaces the whole log with `snapshot` (§7: "discard the entire log").
    mutating func restore(_ snapshot: RaftSnapshot) {
        unstableSnapshot = snapshot
        unstableEntries = []
        unstableOffset = snapshot.metadata.index + 1
        committed = snapshot.metadata.index
    }
}
