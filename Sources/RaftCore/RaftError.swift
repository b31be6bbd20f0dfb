import FabricCore

/// Why RaftCore refused a request from its shell (a proposal, a read, a transfer, a compaction).
/// Operating conditions, not bugs: the shell reports them to its caller.
public enum RaftError: Error, Sendable, Hashable, CustomStringConvertible {
    /// This node is not the leader; `leader` is the one it knows of, if any.
    case notLeader(leader: NodeId?)
    /// A leadership transfer is under way; proposals wait until it ends (thesis §3.10).
    case transferInProgress
    /// An entry larger than `Limits.raftEntryBytesMax`.
    case entryTooLarge(bytes: Int)
    /// The leader already holds `Limits.raftUncommittedBytesMax` of uncommitted entries.
    case uncommittedLimitReached
    /// A configuration change is already pending or in a joint configuration (one at a time, §4.3).
    case configurationChangePending
    /// A configuration change that cannot apply, and why.
    case invalidConfigurationChange(String)
    /// Too many read-index requests are waiting (`Limits.raftPendingReadsMax`).
    case tooManyPendingReads
    /// A read context longer than `Limits.raftReadContextBytesMax`.
    case readContextTooLarge(bytes: Int)
    /// The transfer target is this node, not a voter, or unknown.
    case invalidTransferTarget(NodeId)
    /// A compaction or snapshot request outside the log's applied range.
    case compactionOutOfRange(index: RaftIndex)
    /// The storage could not give what was needed.
    case storage(RaftStorageError)

    public var description: String {
        switch self {
        case .notLeader(let leader): return "not the leader (leader: \(leader.map(\.name) ?? "unknown"))"
        case .transferInProgress: return "leadership transfer in progress"
        case .entryTooLarge(let bytes): return "entry of \(bytes) bytes exceeds \(Limits.raftEntryBytesMax)"
        case .uncommittedLimitReached: return "uncommitted bytes limit reached"
        case .configurationChangePending: return "a configuration change is pending"
        case .invalidConfigurationChange(let why): return "invalid configuration change: \(why)"
        case .tooManyPendingReads: return "too many pending reads"
        case .readContextTooLarge(let bytes): return "read context of \(bytes) bytes"
        case .invalidTransferTarget(let node): return "cannot transfer leadership to \(node)"
        case .compactionOutOfRange(let index): return "cannot compact at \(index)"
        case .storage(let error): return "storage: \(error)"
        }
    }
}

/// Why a storage read failed (etcd-raft's ErrCompacted / ErrUnavailable).
public enum RaftStorageError: Error, Sendable, Hashable {
    /// The index is before the first kept entry (compacted into a snapshot).
    case compacted
    /// The index is past the last entry.
    case unavailable
}

/// What `step` did with a message.
public enum RaftStepOutcome: Sendable, Hashable {
    /// The message was taken into account.
    case accepted
    /// A well-formed message that no longer matters (a stale term, a response to a finished
    /// round, a lease in force); counted in `RaftCounters.droppedMessages`.
    case dropped
    /// A malformed or unauthorised message; counted in `RaftCounters.refusedMessages`.
    case refused(RaftRefusal)
}

/// Why a message was refused: it breaks a bound or a rule no correct peer breaks.
public enum RaftRefusal: Sendable, Hashable {
    /// Addressed to another node.
    case wrongRecipient
    /// From a node outside the configuration (for a kind that only members send).
    case unknownSender
    /// More entries than `Limits.raftEntriesPerAppendMax`, or bytes past a limit.
    case tooLarge
    /// Entries whose indices do not follow prevIndex, terms above the message's, or indices
    /// that would overflow.
    case malformed
}

/// Counters of what the core refused or dropped, for the shell's metrics.
public struct RaftCounters: Sendable, Hashable {
    /// Messages refused (see `RaftRefusal`).
    public var refusedMessages: UInt64 = 0
    /// Messages dropped as stale or irrelevant.
    public var droppedMessages: UInt64 = 0
    /// Proposals refused (see `RaftError`).
    public var refusedProposals: UInt64 = 0
    /// Elections this node started (pre-vote rounds included).
    public var campaigns: UInt64 = 0
}
