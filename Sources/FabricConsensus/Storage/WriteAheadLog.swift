import FabricCore

/// Raft's write-ahead log on disk: entries, hard state and snapshot marks appended to segment
/// files, a checksum per record, one `fdatasync` for many appends (group commit), and recovery
/// that tells a torn tail from damage.
///
/// Layout: a directory of segments named `wal-<sequence, 16 hex digits>.log`, written in
/// order; a segment past `Limits.walSegmentBytes` is closed and the next one begins with the
/// current hard state and snapshot mark, so a segment never needs an earlier one for anything
/// but older entries, and compaction is deleting whole segments.
///
/// Appending an entry at an index the log already has (a follower overwritten by a new
/// leader, Raft §5.3) does not rewrite the file: the record is appended, and replay drops
/// every entry from that index on before taking it — the last word wins, as in etcd's WAL.
///
/// Recovery (`open`) reads every segment in order. In the *last* segment, the first record
/// that is not whole and intact is a torn write of a crash: the file is cut there (and
/// synced), and `Recovery.truncatedBytes` says how much went. Anywhere else the same damage
/// cannot be a torn write — later segments were written after it — so `open` throws `corrupt`
/// rather than replay a log with a hole.
///
/// Nothing is durable until `sync()` returns. A failed `sync()` closes the log: after an fsync
/// error the kernel may have dropped the dirty pages, so retrying would report success for data
/// that is gone (the PostgreSQL "fsyncgate" lesson); the node must reopen and recover.
///
/// Not thread-safe: one owner (the Raft node's shell) calls it.
package final class WriteAheadLog {
    /// What recovery found.
    package struct Recovery: Equatable {
        /// The entries after the snapshot mark, in index order, with overwrites applied.
        package var entries: [WALEntry] = []
        /// The latest hard state, if any was written.
        package var hardState: WALHardState?
        /// The latest snapshot mark (entries up to it are in a snapshot), if any.
        package var snapshot: (index: UInt64, term: UInt64)?
        /// Bytes cut from the last segment's torn tail (0 when it ended cleanly).
        package var truncatedBytes = 0
        /// Why the tail was cut, for the log.
        package var truncationReason: String?
        /// Segment files read.
        package var segments = 0

        package static func == (lhs: Recovery, rhs: Recovery) -> Bool {
            lhs.entries == rhs.entries && lhs.hardState == rhs.hardState && lhs.snapshot?.index == rhs.snapshot?.index
                && lhs.snapshot?.term == rhs.snapshot?.term && lhs.truncatedBytes == rhs.truncatedBytes
                && lhs.segments == rhs.segments
        }
    }

    /// One segment: its sequence number and the highest entry index it holds.
    private struct Segment {
        var sequence: UInt64
        var lastIndex: UInt64
    }

    /// The log's directory.
    package let directory: String
    private let segmentBytes: Int
    private var segments: [Segment]
    private var current: DurableFile?
    private var currentBytes: Int
    private var hardState: WALHardState?
    private var snapshotMark: (index: UInt64, term: UInt64)?
    private var unsynced = false
    private var failure: StorageError?

    private init(directory: String, segmentBytes: Int, segments: [Segment], current: consuming DurableFile, currentBytes: Int,
                 hardState: WALHardState?, snapshotMark: (index: UInt64, term: UInt64)?) {
        self.directory = directory
        self.segmentBytes = segmentBytes
        self.segments = segments
        self.current = consume current
        self.currentBytes = currentBytes
        self.hardState = hardState
        self.snapshotMark = snapshotMark
    }

    /// Opens the log in `directory` (created if missing), recovering what it holds.
    /// `segmentBytes` is `Limits.walSegmentBytes` except in tests of rotation.
    package static func open(
        directory: String, segmentBytes: Int = Limits.walSegmentBytes
    ) throws(StorageError) -> (WriteAheadLog, Recovery) {
        precondition(segmentBytes >= 64, "a WAL segment of \(segmentBytes) bytes cannot hold a record")
        try DurableFile.makeDirectory(directory)
        let names = try DurableFile.list(directory, limit: Limits.walSegmentsMax).filter(isSegmentName)
        var recovery = Recovery()
        var segments: [Segment] = []
        var lastBytes = 0
        for (position, name) in names.enumerated() {
            let isLast = position == names.count - 1
            let path = directory + "/" + name
            let file = try DurableFile(path: path, create: false)
            let bytes = try file.readAll(limit: Limits.walSegmentReadBytesMax)
            var offset = 0
            var lastIndex: UInt64 = 0
            replay: while true {
                switch WALRecord.read(bytes, at: offset) {
                case .end:
                    break replay
                case .record(let record, let next):
                    if let gap = apply(record, to: &recovery, lastIndex: &lastIndex) {
                        throw StorageError(.corrupt, "\(path) at byte \(offset): \(gap)")
                    }
                    offset = next
                case .damaged(let reason):
                    guard isLast else {
                        throw StorageError(.corrupt, "\(path) is damaged at byte \(offset) (\(reason)), and later segments exist: not a torn write")
                    }
                    recovery.truncatedBytes = bytes.count - offset
                    recovery.truncationReason = "\(path) ended in \(reason) at byte \(offset)"
                    try file.truncate(to: offset)
                    try file.sync()
                    break replay
                }
            }
            segments.append(Segment(sequence: sequence(of: name)!, lastIndex: lastIndex))
            if isLast { lastBytes = offset }
        }
        recovery.segments = segments.count
        if segments.isEmpty {
            segments.append(Segment(sequence: 1, lastIndex: 0))
            lastBytes = 0
        }
        let currentPath = directory + "/" + segmentName(segments[segments.count - 1].sequence)
        let current = try DurableFile(path: currentPath, create: true)
        if recovery.segments == 0 { try DurableFile.syncDirectory(directory) }
        let log = WriteAheadLog(
            directory: directory, segmentBytes: segmentBytes, segments: segments, current: current,
            currentBytes: lastBytes, hardState: recovery.hardState, snapshotMark: recovery.snapshot)
        return (log, recovery)
    }

    /// Appends `entries` (in index order) and, when given, the new hard state. Written to the
    /// file at once, durable only after `sync()`: a Raft node appends each ready batch, then
    /// syncs once before sending what depends on it (Raft §5.1: persist before responding).
    package func append(_ entries: [WALEntry], hardState newState: WALHardState?) throws(StorageError) {
        try checkOpen()
        var bytes: [UInt8] = []
        for entry in entries {
            WALRecord.entry(entry).encode(into: &bytes)
        }
        if let newState {
            WALRecord.hardState(newState).encode(into: &bytes)
            hardState = newState
        }
        guard !bytes.isEmpty else { return }
        guard bytes.count <= segmentBytes else {
            throw StorageError(.limit, "an append of \(bytes.count) bytes is more than a segment (\(segmentBytes)); append fewer entries at once")
        }
        try write(bytes)
        if let last = entries.last {
            segments[segments.count - 1].lastIndex = max(segments[segments.count - 1].lastIndex, last.index)
        }
        if currentBytes >= segmentBytes { try rotate() }
    }

    /// Records that everything up to `index` is in a snapshot (written and synced by the
    /// snapshot store first), then deletes the segments that hold nothing after it.
    package func markSnapshot(index: UInt64, term: UInt64) throws(StorageError) {
        try checkOpen()
        var bytes: [UInt8] = []
        WALRecord.snapshot(index: index, term: term).encode(into: &bytes)
        try write(bytes)
        snapshotMark = (index, term)
        try sync()
        try compact(through: index)
    }

    /// Makes everything appended so far durable: one `fdatasync` however many appends came
    /// before it (group commit). A failure closes the log (see the type's notes).
    package func sync() throws(StorageError) {
        try checkOpen()
        guard unsynced else { return }
        do {
            try current!.sync()
            unsynced = false
        } catch {
            failure = error
            current = nil
            throw error
        }
    }

    /// Closes the log; later calls throw `closed`.
    package func close() {
        current = nil
        failure = failure ?? StorageError(.closed, "the log in \(directory) is closed")
    }

    /// Segment files now on disk.
    package var segmentCount: Int { segments.count }

    // MARK: Internals

    private func checkOpen() throws(StorageError) {
        if let failure { throw StorageError(.closed, "the log in \(directory) is closed (\(failure.message))") }
    }

    private func write(_ bytes: [UInt8]) throws(StorageError) {
        do {
            try current!.append(bytes)
        } catch {
            failure = error
            current = nil
            throw error
        }
        currentBytes += bytes.count
        unsynced = true
    }

    /// Starts the next segment with the state a reader needs from it alone.
    private func rotate() throws(StorageError) {
        try sync()
        let next = segments[segments.count - 1].sequence + 1
        let path = directory + "/" + Self.segmentName(next)
        let file = try DurableFile(path: path, create: true)
        try DurableFile.syncDirectory(directory)
        current = consume file
        segments.append(Segment(sequence: next, lastIndex: segments[segments.count - 1].lastIndex))
        currentBytes = 0
        var header: [UInt8] = []
        if let snapshotMark { WALRecord.snapshot(index: snapshotMark.index, term: snapshotMark.term).encode(into: &header) }
        if let hardState { WALRecord.hardState(hardState).encode(into: &header) }
        if !header.isEmpty { try write(header) }
    }

    /// Deletes every segment but the current one whose entries all lie at or before `index`.
    private func compact(through index: UInt64) throws(StorageError) {
        var removed = false
        while segments.count > 1, segments[0].lastIndex <= index {
            try DurableFile.remove(directory + "/" + Self.segmentName(segments[0].sequence))
            segments.removeFirst()
            removed = true
        }
        if removed { try DurableFile.syncDirectory(directory) }
    }

    /// Replays one record; returns what is wrong when an entry leaves a gap after the entries
    /// (or the snapshot) before it — something no sequence of appends writes.
    private static func apply(_ record: WALRecord, to recovery: inout Recovery, lastIndex: inout UInt64) -> String? {
        switch record {
        case .entry(let entry):
            let expected = recovery.entries.last.map { $0.index + 1 } ?? recovery.snapshot.map { $0.index + 1 }
            if let expected, entry.index > expected {
                return "entry \(entry.index) follows \(expected - 1), leaving a gap"
            }
            // An index the log has already: everything from it on was overwritten (Raft §5.3).
            if let first = recovery.entries.first, entry.index >= first.index, entry.index <= recovery.entries.last!.index {
                recovery.entries.removeLast(Int(recovery.entries.last!.index - entry.index) + 1)
            } else if let first = recovery.entries.first, entry.index < first.index {
                recovery.entries.removeAll()
            }
            if let snapshot = recovery.snapshot, entry.index <= snapshot.index { return nil }
            recovery.entries.append(entry)
            lastIndex = max(lastIndex, entry.index)
        case .hardState(let state):
            recovery.hardState = state
        case .snapshot(let index, let term):
            recovery.snapshot = (index, term)
            recovery.entries.removeAll { $0.index <= index }
        }
        return nil
    }

    private static func segmentName(_ sequence: UInt64) -> String {
        let hex = String(sequence, radix: 16)
        return "wal-" + String(repeating: "0", count: max(0, 16 - hex.count)) + hex + ".log"
    }

    private static func isSegmentName(_ name: String) -> Bool { sequence(of: name) != nil }

    private static func sequence(of name: String) -> UInt64? {
        guard name.hasPrefix("wal-"), name.hasSuffix(".log"), name.utf8.count == 24 else { return nil }
        return UInt64(name.dropFirst(4).dropLast(4), radix: 16)
    }
}
