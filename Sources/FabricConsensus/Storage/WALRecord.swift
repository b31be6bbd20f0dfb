import FabricCore
import FabricWire

/// One record of the write-ahead log, and its bytes on disk:
///
/// ```
/// +-------------+--------------+--------+-------------------+
/// | length u32  | crc32c u32   | kind   | body              |
/// | LE, of kind | LE, of kind  | 1 B    | length − 1 bytes  |
/// | and body    | and body     |        |                   |
/// +-------------+--------------+--------+-------------------+
/// entry:      index u64 LE, term u64 LE, entry kind u8, data (the rest)
/// hard state: term u64 LE, commit u64 LE, vote length u8, vote (a node name, UTF-8)
/// snapshot:   index u64 LE, term u64 LE   (the log continues after this point)
/// ```
///
/// The length comes first so a reader knows how much to take, and is checked against
/// `Limits.walRecordBytesMax` before anything is read into memory; the checksum covers the kind
/// and the body, so a record cut short by a crash (a torn write) or damaged on disk is
/// recognised rather than replayed. A length of zero is never written: a zero-filled tail
/// (a file extended but not written) reads as torn.
package enum WALRecord: Equatable, Sendable {
    /// A log entry.
    case entry(WALEntry)
    /// Raft's durable state: term, vote, commit.
    case hardState(WALHardState)
    /// Everything up to `index` (of `term`) is in a snapshot; entries after it follow.
    case snapshot(index: UInt64, term: UInt64)

    /// Bytes of a record's header (length and checksum).
    package static let headerBytes = 8

    /// Appends this record's bytes to `out`.
    package func encode(into out: inout [UInt8]) {
        var body: [UInt8] = []
        switch self {
        case .entry(let entry):
            body.reserveCapacity(18 + entry.data.count)
            body.append(1)
            Self.append(entry.index, to: &body)
            Self.append(entry.term, to: &body)
            body.append(entry.kind)
            body.append(contentsOf: entry.data)
        case .hardState(let state):
            body.append(2)
            Self.append(state.term, to: &body)
            Self.append(state.commit, to: &body)
            let vote = Array((state.vote?.name ?? "").utf8)
            body.append(UInt8(vote.count))
            body.append(contentsOf: vote)
        case .snapshot(let index, let term):
            body.append(3)
            Self.append(index, to: &body)
            Self.append(term, to: &body)
        }
        precondition(body.count <= Limits.walRecordBytesMax, "a WAL record of \(body.count) bytes passed the limit")
        let checksum = body.withUnsafeBytes { CRC32C.checksum($0) }
        Self.append32(UInt32(body.count), to: &out)
        Self.append32(checksum, to: &out)
        out.append(contentsOf: body)
    }

    /// What reading one record at an offset found.
    package enum Read: Equatable {
        /// A whole, intact record and the offset after it.
        case record(WALRecord, next: Int)
        /// No more bytes.
        case end
        /// The bytes from here are not a whole intact record (cut short, bad length, bad
        /// checksum, unknown kind): `reason` says which.
        case damaged(reason: String)
    }

    /// Reads the record at `offset` of `bytes`.
    package static func read(_ bytes: [UInt8], at offset: Int) -> Read {
        let remaining = bytes.count - offset
        if remaining == 0 { return .end }
        guard remaining >= headerBytes else { return .damaged(reason: "\(remaining) bytes, less than a record header") }
        let length = Int(load32(bytes, offset))
        let checksum = load32(bytes, offset + 4)
        guard length > 0 else { return .damaged(reason: "a record of length 0") }
        guard length <= Limits.walRecordBytesMax else {
            return .damaged(reason: "a record length of \(length), past the \(Limits.walRecordBytesMax) allowed")
        }
        guard length <= remaining - headerBytes else {
            return .damaged(reason: "a record of \(length) bytes with \(remaining - headerBytes) left")
        }
        let start = offset + headerBytes
        let actual = bytes.withUnsafeBytes { CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[start..<(start + length)])) }
        guard actual == checksum else { return .damaged(reason: "a checksum mismatch") }
        guard let record = decodeBody(bytes, start: start, count: length) else {
            return .damaged(reason: "a record of kind \(bytes[start]) that does not parse")
        }
        return .record(record, next: start + length)
    }

    private static func decodeBody(_ bytes: [UInt8], start: Int, count: Int) -> WALRecord? {
        let end = start + count
        switch bytes[start] {
        case 1:
            guard count >= 18 else { return nil }
            let index = load64(bytes, start + 1)
            let term = load64(bytes, start + 9)
            let kind = bytes[start + 17]
            return .entry(WALEntry(index: index, term: term, kind: kind, data: Array(bytes[(start + 18)..<end])))
        case 2:
            guard count >= 18 else { return nil }
            let voteCount = Int(bytes[start + 17])
            guard count == 18 + voteCount else { return nil }
            let vote: NodeId?
            if voteCount == 0 {
                vote = nil
            } else {
                guard let name = NodeId(validating: String(decoding: bytes[(start + 18)..<end], as: UTF8.self)) else { return nil }
                vote = name
            }
            return .hardState(WALHardState(term: load64(bytes, start + 1), vote: vote, commit: load64(bytes, start + 9)))
        case 3:
            guard count == 17 else { return nil }
            return .snapshot(index: load64(bytes, start + 1), term: load64(bytes, start + 9))
        default:
            return nil
        }
    }

    private static func append(_ value: UInt64, to out: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { out.append(contentsOf: $0) }
    }

    private static func append32(_ value: UInt32, to out: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { out.append(contentsOf: $0) }
    }

    private static func load32(_ bytes: [UInt8], _ offset: Int) -> UInt32 {
        bytes.withUnsafeBytes { UInt32(littleEndian: $0.loadUnaligned(fromByteOffset: offset, as: UInt32.self)) }
    }

    private static func load64(_ bytes: [UInt8], _ offset: Int) -> UInt64 {
        bytes.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(fromByteOffset: offset, as: UInt64.self)) }
    }
}

/// A log entry as the write-ahead log keeps it: Raft's index and term, the entry's kind (a
/// normal proposal, a configuration change, …; the log does not interpret it) and its bytes.
package struct WALEntry: Equatable, Sendable {
    package var index: UInt64
    package var term: UInt64
    package var kind: UInt8
    package var data: [UInt8]

    package init(index: UInt64, term: UInt64, kind: UInt8, data: [UInt8]) {
        self.index = index
        self.term = term
        self.kind = kind
        self.data = data
    }
}

/// Raft's state that must survive a restart (Raft §5, Figure 2 "persistent state"): the
/// current term, whom this node voted for in it, and the commit index (kept so a restart
/// need not wait for the leader to learn how far it may apply).
package struct WALHardState: Equatable, Sendable {
    package var term: UInt64
    package var vote: NodeId?
    package var commit: UInt64

    package init(term: UInt64, vote: NodeId?, commit: UInt64) {
        self.term = term
        self.vote = vote
        self.commit = commit
    }
}
