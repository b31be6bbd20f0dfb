// RaftCore: the Raft consensus algorithm as a pure state machine (DESIGN.md §2, issue 10).
//
// Design (to move to Docs/ by the integrator)
// -------------------------------------------
// The shape is etcd-raft's, kept because it is what makes Raft testable and simulable:
//
// * step / ready / advance. Events go in (`tick()`, `step(_:)`, `propose(_:)`, `readIndex`,
//   `transferLeadership`, `proposeConfigurationChange`); nothing comes out of those calls but a
//   typed outcome or error. The shell asks `ready()` for what to do: entries, hard state and a
//   snapshot to persist, messages to send, committed entries to apply, read states to answer.
//   It persists (entries before the hard state's commit matters; both before sending), sends,
//   applies, and calls `advance(ready)`. Anything that happened between `ready()` and `advance`
//   stays for the next ready.
// * Logical time. The shell calls `tick()` every few milliseconds; election and heartbeat
//   timeouts are counted in ticks. Randomness is a SplitMix64 seeded at init, so a simulation
//   replays exactly from its seeds.
// * One-way messages instead of RPCs (etcd-raft's MsgApp/MsgAppResp, …): responses carry what
//   the leader needs to match them to requests (the index), so loss, duplication and reordering
//   are harmless and nothing waits.
// * Storage with synchronous reads (etcd-raft's Storage), owned by the core; the unstable tail
//   of the log lives in memory until `advance` says it is durable.
// * Progress per follower with probe / replicate / snapshot states and an in-flight window
//   (count and bytes), fast backoff with a (hint index, hint term) on rejection.
// * Pre-vote (thesis §9.6) and check-quorum with a follower-side lease (thesis §4.2.3, §6.2),
//   ReadIndex with a read round carried in heartbeats (thesis §6.4) instead of etcd's per-read
//   context in heartbeats (one counter, bounded, confirms every read up to it), lease reads.
// * Leadership transfer via TimeoutNow after the target catches up (thesis §3.10), aborted
//   after an election timeout; proposals are refused meanwhile.
// * Joint consensus (thesis §4.3) for every change of the voter set, left automatically by the
//   leader once the joint entry is applied (etcd-raft's "auto leave"); changes that touch only
//   learners skip the joint phase. One change at a time: a new one is refused until the previous
//   is applied and the joint phase is over. Membership takes effect when its entry is applied
//   (as etcd-raft, not on append as the thesis' single-server scheme), and a node refuses to
//   campaign while a committed change is not applied yet.
//
// Differences from etcd-raft, on purpose:
// * Membership changes are applied by the core itself during `advance` (no ApplyConfChange).
// * Member ids are `NodeId`s; messages from senders outside the configuration are refused,
//   except the leader-only kinds (append, heartbeat, snapshot), because a node's configuration
//   may lag the leader's and refusing them could cut off a node that has yet to learn of it.
// * Untrusted messages are validated (counts, bytes, index arithmetic, terms) and refused with
//   a counted `RaftRefusal` instead of trusted; nothing traps on a message.
// * Snapshots travel whole in one message (bounded by `Limits.raftSnapshotBytesMax`); chunked
//   transfer is the shell's business.
// * No proposal forwarding from followers: `propose` on a follower throws `notLeader(leader:)`.
import FabricCore

/// One member of a Raft group as a pure value: feed it ticks, messages and requests; take
/// `ready()`; persist, send and apply what it says; call `advance`.
public struct RaftCore: Sendable {
    /// The settings.
    public let configuration: RaftConfiguration
    /// The log (stable and unstable parts, commit and apply indices).
    var log: RaftLog
    /// currentTerm (Figure 2).
    public internal(set) var term: RaftTerm
    /// votedFor in `term` (Figure 2).
    public internal(set) var vote: NodeId?
    /// The leader of `term` as far as this node knows.
    public internal(set) var leader: NodeId?
    /// This node's role.
    public internal(set) var role: RaftRole = .follower
    /// The configuration in force (as of the applied index).
    public internal(set) var membership: RaftMembership
    /// Counters of refused and dropped input.
    public internal(set) var counters = RaftCounters()

    /// The leader's view of every member (itself included); empty unless leading.
    var progress: [NodeId: RaftProgress] = [:]
    /// Votes received in the current (pre-)election.
    var votes: [NodeId: Bool] = [:]
    var electionElapsed = 0
    var heartbeatElapsed = 0
    var randomizedElectionTimeout = 0
    var random: SeededRandom
    /// The index of the latest configuration change a leader appended; no new one before it applies.
    var pendingConfigurationIndex: RaftIndex = 0
    /// Bytes of normal entries this leader appended that are not applied yet.
    var uncommittedBytes = 0
    /// The node leadership is being transferred to.
    public internal(set) var transferee: NodeId?

    /// Messages to send, in order.
    var outbox: [RaftMessage] = []
    /// Answers to local reads.
    var readStates: [RaftReadState] = []
    /// Reads waiting for a quorum to acknowledge their round.
    var pendingReads: [PendingRead] = []
    /// Reads waiting for this leader's first commit in its term.
    var readsAwaitingCommit: [(context: [UInt8], requester: NodeId)] = []
    /// The current read round (heartbeats carry it).
    var readRound: UInt64 = 0
    /// The highest read round each follower acknowledged this term.
    var readAcknowledgements: [NodeId: UInt64] = [:]
    /// The hard state last handed out in a ready and persisted.
    var persistedHardState: RaftHardState

    /// A read waiting for its heartbeat round to be acknowledged by a quorum.
    struct PendingRead: Sendable {
        var context: [UInt8]
        var index: RaftIndex
        var requester: NodeId
        var round: UInt64
    }

    /// A node with `configuration` whose persisted state is `storage` (a new group: a
    /// `MemoryRaftStorage(membership:)`; a restart: what was persisted).
    public init(configuration: RaftConfiguration, storage: any RaftStorage) {
        configuration.validate()
        self.configuration = configuration
        log = RaftLog(storage: storage)
        let initial = storage.initialState
        term = initial.hardState.term
        vote = initial.hardState.vote
        membership = initial.membership
        persistedHardState = initial.hardState
        random = SeededRandom(seed: configuration.randomSeed)
        precondition(membership.members.count <= Limits.raftMembersMax,
                     "\(membership.members.count) members exceed \(Limits.raftMembersMax)")
        resetTimers()
    }

    /// This node's id.
    public var id: NodeId { configuration.id }
    /// commitIndex (Figure 2).
    public var committedIndex: RaftIndex { log.committed }
    /// lastApplied (Figure 2), as acknowledged through `advance`.
    public var appliedIndex: RaftIndex { log.applied }
    /// The last index of the log (persisted or not).
    public var lastIndex: RaftIndex { log.lastIndex }
    /// The term of the last entry.
    public var lastTerm: RaftTerm { log.lastTerm }
    /// The first index still in the log (after compaction).
    public var firstIndex: RaftIndex { log.firstIndex }
    /// The storage with what was persisted.
    public var storage: any RaftStorage { log.storage }
    /// The leader's view of a member (nil unless leading).
    public func progress(of member: NodeId) -> RaftProgress? { progress[member] }
    /// The term of the entry at `index`, nil when compacted or absent.
    public func term(at index: RaftIndex) -> RaftTerm? { log.term(at: index) }

    /// Entries from `start` through the last (bounded by `bytesMax`, at least one).
    public func entries(from start: RaftIndex, bytesMax: Int = .max) throws(RaftError) -> [RaftEntry] {
        do { return try log.entries(from: start, bytesMax: bytesMax, countMax: .max) } catch { throw .storage(error) }
    }

    /// Whether this node may campaign: it votes in the configuration.
    var isPromotable: Bool { membership.isVoter(id) }

    /// Queues a message to `to` at the current term unless `term` is given.
    mutating func send(_ kind: RaftMessageKind, to: NodeId, term: RaftTerm? = nil) {
        outbox.append(RaftMessage(from: id, to: to, term: term ?? self.term, kind: kind))
    }

    /// The members other than this node, in a stable order (so traces and simulations replay).
    var peers: [NodeId] { membership.members.filter { $0 != id }.sorted() }
    /// The voters other than this node, in a stable order.
    var voterPeers: [NodeId] { membership.members.filter { $0 != id && membership.isVoter($0) }.sorted() }
}
