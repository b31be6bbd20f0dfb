import FabricCore

/// How a node serves linearizable reads (thesis §6.4).
public enum RaftReadMode: Sendable, Hashable {
    /// ReadIndex: the leader records its commit index and confirms it still leads with a round
    /// of heartbeats acknowledged by a quorum before the read is answered. Safe under any clock.
    case safe
    /// Lease: the leader answers at once from its commit index, trusting that it still leads
    /// because check-quorum makes it step down after an election timeout without a quorum.
    /// Assumes the clocks (tick rates) of the members drift by less than what separates the
    /// election timeout from the minimum randomized timeout of another node; a paused or slow
    /// leader can serve a stale read. Requires `checkQuorum`.
    case leaseBased
}

/// A node's Raft settings (etcd-raft's Config).
public struct RaftConfiguration: Sendable, Hashable {
    /// This node.
    public var id: NodeId
    /// Ticks without a leader's word before a follower campaigns; the actual timeout is drawn
    /// uniformly from electionTick..<2·electionTick (§5.2, §9.3).
    public var electionTick: Int
    /// Ticks between a leader's heartbeats; must be well below `electionTick`.
    public var heartbeatTick: Int
    /// Run a pre-vote round before a real election (thesis §9.6), so a node cut off by a
    /// partition does not raise its term and depose a working leader when it returns.
    public var preVote: Bool
    /// A leader steps down when it has not heard from a quorum within an election timeout, and
    /// followers ignore votes while their leader's lease runs (thesis §6.2, §4.2.3).
    public var checkQuorum: Bool
    /// How reads are served.
    public var readMode: RaftReadMode
    /// Appends in flight to a follower in the replicate state (≤ `Limits.raftInflightAppendsMax`).
    public var inflightAppendsMax: Int
    /// Bytes in flight to a follower in the replicate state (≤ `Limits.raftInflightBytesMax`).
    public var inflightBytesMax: Int
    /// Bytes of entries in one append (≤ `Limits.raftAppendBytesMax`).
    public var appendBytesMax: Int
    /// Entries in one append (≤ `Limits.raftEntriesPerAppendMax`).
    public var entriesPerAppendMax: Int
    /// The seed of the generator that draws randomized election timeouts (no global randomness).
    public var randomSeed: UInt64

    /// Settings for `id` with etcd-raft's usual values: election 10 ticks, heartbeat 1 tick,
    /// pre-vote and check-quorum on, ReadIndex reads.
    public init(
        id: NodeId, electionTick: Int = 10, heartbeatTick: Int = 1, preVote: Bool = true,
        checkQuorum: Bool = true, readMode: RaftReadMode = .safe,
        inflightAppendsMax: Int = Limits.raftInflightAppendsMax, inflightBytesMax: Int = Limits.raftInflightBytesMax,
        appendBytesMax: Int = Limits.raftAppendBytesMax, entriesPerAppendMax: Int = Limits.raftEntriesPerAppendMax,
        randomSeed: UInt64
    ) {
        self.id = id
        self.electionTick = electionTick
        self.heartbeatTick = heartbeatTick
        self.preVote = preVote
        self.checkQuorum = checkQuorum
        self.readMode = readMode
        self.inflightAppendsMax = inflightAppendsMax
        self.inflightBytesMax = inflightBytesMax
        self.appendBytesMax = appendBytesMax
        self.entriesPerAppendMax = entriesPerAppendMax
        self.randomSeed = randomSeed
    }

    /// Traps with the settings when they are inconsistent (a programmer error).
    func validate() {
        precondition(heartbeatTick >= 1 && electionTick > heartbeatTick,
                     "electionTick \(electionTick) must exceed heartbeatTick \(heartbeatTick) ≥ 1")
        precondition(readMode == .safe || checkQuorum, "lease-based reads need checkQuorum")
        precondition((1...Limits.raftInflightAppendsMax).contains(inflightAppendsMax), "inflightAppendsMax \(inflightAppendsMax)")
        precondition((1...Limits.raftInflightBytesMax).contains(inflightBytesMax), "inflightBytesMax \(inflightBytesMax)")
        precondition((1...Limits.raftAppendBytesMax).contains(appendBytesMax), "appendBytesMax \(appendBytesMax)")
        precondition((1...Limits.raftEntriesPerAppendMax).contains(entriesPerAppendMax), "entriesPerAppendMax \(entriesPerAppendMax)")
    }
}
