import FabricCore

/// A Raft term (Figure 2: "latest term server has seen"); 0 before any election.
public typealias RaftTerm = UInt64
/// A position in the replicated log; the first entry is 1, 0 means "before the log".
public typealias RaftIndex = UInt64

/// One entry of the replicated log (Figure 2: each entry holds a command for the state machine
/// and the term in which the leader received it).
public struct RaftEntry: Codable, Sendable, Hashable {
    /// The leader's term when it appended the entry.
    public var term: RaftTerm
    /// The entry's position in the log.
    public var index: RaftIndex
    /// What the entry carries.
    public var payload: RaftEntryPayload

    /// An entry at `index` of `term` carrying `payload`.
    public init(term: RaftTerm, index: RaftIndex, payload: RaftEntryPayload) {
        self.term = term
        self.index = index
        self.payload = payload
    }

    /// Bytes the entry counts for against the byte limits (its data plus a fixed overhead, so
    /// empty entries still count).
    public var byteCount: Int {
        switch payload {
        case .normal(let data): return data.count + 16
        case .configurationChange(let change): return change.changes.count * 72 + 16
        }
    }
}

/// What an entry carries: the application's command, or a membership change that RaftCore applies
/// itself when the entry is applied (thesis §4.3).
public enum RaftEntryPayload: Codable, Sendable, Hashable {
    /// An application command (empty for the no-op a new leader appends, §5.4.2 / §8).
    case normal([UInt8])
    /// A membership change: entering a joint configuration, or leaving it (no changes).
    case configurationChange(RaftConfigurationChange)
}

/// One change to a group's membership.
public enum RaftMemberChange: Codable, Sendable, Hashable {
    /// Make the node a voter (a learner is promoted).
    case addVoter(NodeId)
    /// Add the node as a learner: it receives the log but never votes or counts toward a quorum.
    case addLearner(NodeId)
    /// Remove the node (voter or learner).
    case remove(NodeId)
}

/// A membership change carried in the log. A change with `changes` enters the joint configuration
/// C_old,new (thesis §4.3); one with none leaves it for C_new (the leader proposes that itself).
public struct RaftConfigurationChange: Codable, Sendable, Hashable {
    /// The changes; empty means "leave the joint configuration".
    public var changes: [RaftMemberChange]

    /// A change made of `changes` (empty: leave joint).
    public init(changes: [RaftMemberChange]) { self.changes = changes }
}

/// What a node must persist before it sends messages (Figure 2, persistent state on all servers:
/// currentTerm and votedFor; plus the commit index, as etcd-raft keeps, so a restart applies no
/// less than it had).
public struct RaftHardState: Codable, Sendable, Hashable {
    /// currentTerm.
    public var term: RaftTerm
    /// votedFor in `term`, nil when none.
    public var vote: NodeId?
    /// The highest index known committed.
    public var commit: RaftIndex

    /// A hard state of `term`, `vote` and `commit`.
    public init(term: RaftTerm = 0, vote: NodeId? = nil, commit: RaftIndex = 0) {
        self.term = term
        self.vote = vote
        self.commit = commit
    }
}

/// A node's role (§5.1, plus the pre-candidate of thesis §9.6).
public enum RaftRole: String, Codable, Sendable, Hashable {
    case follower, preCandidate, candidate, leader
}

/// What may change without being persisted: who leads and this node's role.
public struct RaftSoftState: Codable, Sendable, Hashable {
    /// The leader this node follows (itself when leading), nil when unknown.
    public var leader: NodeId?
    /// This node's role.
    public var role: RaftRole
}

/// What a snapshot stands for: the log up to `index` (of `term`) applied, with `membership`.
public struct RaftSnapshotMetadata: Codable, Sendable, Hashable {
    /// The last index the snapshot includes.
    public var index: RaftIndex
    /// The term of that entry.
    public var term: RaftTerm
    /// The membership as of `index`.
    public var membership: RaftMembership

    /// Metadata for a snapshot through `index` of `term` with `membership`.
    public init(index: RaftIndex, term: RaftTerm, membership: RaftMembership) {
        self.index = index
        self.term = term
        self.membership = membership
    }
}

/// The application's state through some index, replacing the log before it (§7).
public struct RaftSnapshot: Codable, Sendable, Hashable {
    /// Where the snapshot stands.
    public var metadata: RaftSnapshotMetadata
    /// The application's serialized state (opaque to RaftCore).
    public var data: [UInt8]

    /// A snapshot with `metadata` and `data`.
    public init(metadata: RaftSnapshotMetadata, data: [UInt8]) {
        self.metadata = metadata
        self.data = data
    }
}

/// A linearizable read's answer: once the application has applied `index`, a read for `context`
/// may be served from its state (thesis §6.4).
public struct RaftReadState: Codable, Sendable, Hashable {
    /// The commit index the read must wait for.
    public var index: RaftIndex
    /// The context the reader passed to `readIndex(context:)`.
    public var context: [UInt8]

    /// A read state for `context` at `index`.
    public init(index: RaftIndex, context: [UInt8]) {
        self.index = index
        self.context = context
    }
}
