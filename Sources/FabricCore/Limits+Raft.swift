// The bounds of RaftCore (issue 10). Every Raft message is untrusted input: a count or size past
// one of these is refused and counted by the core, never allocated and never a trap.
extension Limits {
    /// Members (voters, outgoing voters and learners together) in one Raft group's configuration.
    /// Quorum arithmetic and per-member progress are linear in it; 64 covers any real group.
    public static let raftMembersMax = 64
    /// Entries in one append message. A leader sends at most this many; a larger message is refused.
    public static let raftEntriesPerAppendMax = 1024
    /// Payload bytes a leader puts in one append message (at least one entry always goes, so a
    /// single entry of `raftEntryBytesMax` still moves).
    public static let raftAppendBytesMax = 1024 * 1024
    /// Append messages in flight to one follower in the replicate state (etcd-raft's
    /// `MaxInflightMsgs`): past it the leader waits for acknowledgements (flow control).
    public static let raftInflightAppendsMax = 256
    /// Payload bytes in flight to one follower in the replicate state (etcd-raft's
    /// `MaxInflightBytes`).
    public static let raftInflightBytesMax = 32 * 1024 * 1024
    /// Payload bytes of one entry (a proposal's data).
    public static let raftEntryBytesMax = 1024 * 1024
    /// Payload bytes a leader holds appended but not yet committed; proposals past it are refused
    /// (etcd-raft's `MaxUncommittedEntriesSize`), so a stalled quorum cannot grow memory forever.
    public static let raftUncommittedBytesMax = 64 * 1024 * 1024
    /// Payload bytes of committed entries handed to the application in one `RaftReady`.
    public static let raftCommittedBytesPerReadyMax = 16 * 1024 * 1024
    /// Bytes of the application's data in a snapshot carried by one message. (Snapshots are sent
    /// whole in one message; chunked transfer is left to the shell.)
    public static let raftSnapshotBytesMax = 256 * 1024 * 1024
    /// Read-index requests a leader holds waiting for a heartbeat round or its first commit.
    public static let raftPendingReadsMax = 4096
    /// Bytes of a read-index request's context (the caller's request id).
    public static let raftReadContextBytesMax = 256
    /// Membership changes in one configuration-change proposal.
    public static let raftChangesPerProposalMax = 16
}

extension Limits {
    /// The highest term a Raft message may carry (2^62). Terms far in the future are legal, but
    /// one near `UInt64.max` would overflow when the node campaigns; such a message is refused.
    public static let raftTermMax: UInt64 = 1 << 62
}
