import FabricCore

/// A message between two members of a Raft group. The shell carries it as it is (it is Codable)
/// and hands it to the recipient's `step`.
public struct RaftMessage: Codable, Sendable, Hashable {
    /// The sender.
    public var from: NodeId
    /// The recipient.
    public var to: NodeId
    /// The sender's term (for a pre-vote request: the term it would campaign in, thesis §9.6;
    /// for a pre-vote grant: that same term).
    public var term: RaftTerm
    /// What the message says.
    public var kind: RaftMessageKind

    /// A message from `from` to `to` at `term`.
    public init(from: NodeId, to: NodeId, term: RaftTerm, kind: RaftMessageKind) {
        self.from = from
        self.to = to
        self.term = term
        self.kind = kind
    }
}

/// The kinds of Raft message (Figure 2's RPCs, as one-way messages the way etcd-raft has them,
/// plus pre-vote, read-index and leadership transfer from the thesis).
public enum RaftMessageKind: Codable, Sendable, Hashable {
    /// RequestVote (Figure 2), or with `transfer` a vote forced by leadership transfer (§3.10),
    /// which bypasses a follower's leader lease.
    case vote(lastIndex: RaftIndex, lastTerm: RaftTerm, transfer: Bool)
    /// RequestVote's result.
    case voteResponse(granted: Bool)
    /// A pre-vote request (thesis §9.6): would you vote for me at `term`? Changes no state.
    case preVote(lastIndex: RaftIndex, lastTerm: RaftTerm)
    /// A pre-vote's result.
    case preVoteResponse(granted: Bool)
    /// AppendEntries (Figure 2).
    case append(prevIndex: RaftIndex, prevTerm: RaftTerm, entries: [RaftEntry], commit: RaftIndex)
    /// AppendEntries' result. On success `index` is the last index the follower now matches. On
    /// rejection `index` is the rejected prevIndex and (`hintIndex`, `hintTerm`) the follower's
    /// guess at where the logs agree: its last index at or below prevIndex whose term is at most
    /// prevTerm (the fast backoff of §5.3's closing paragraphs).
    case appendResponse(index: RaftIndex, rejected: Bool, hintIndex: RaftIndex, hintTerm: RaftTerm)
    /// A heartbeat: an empty AppendEntries that carries the commit index (bounded by what the
    /// follower matches) and the leader's read round (thesis §6.4).
    case heartbeat(commit: RaftIndex, readRound: UInt64)
    /// A heartbeat's acknowledgement, echoing the read round.
    case heartbeatResponse(readRound: UInt64)
    /// InstallSnapshot (Figure 13), whole.
    case snapshot(RaftSnapshot)
    /// Leadership transfer: start an election now (§3.10).
    case timeoutNow
    /// A follower forwarding a read-index request to its leader.
    case readIndex(context: [UInt8])
    /// The leader's answer to a forwarded read-index request.
    case readIndexResponse(index: RaftIndex, context: [UInt8])

    /// A short name for traces.
    public var name: String {
        switch self {
        case .vote: return "Vote"
        case .voteResponse: return "VoteResp"
        case .preVote: return "PreVote"
        case .preVoteResponse: return "PreVoteResp"
        case .append: return "App"
        case .appendResponse: return "AppResp"
        case .heartbeat: return "Heartbeat"
        case .heartbeatResponse: return "HeartbeatResp"
        case .snapshot: return "Snap"
        case .timeoutNow: return "TimeoutNow"
        case .readIndex: return "ReadIndex"
        case .readIndexResponse: return "ReadIndexResp"
        }
    }

    /// Whether only a leader sends this kind (a node accepts these from senders its possibly
    /// stale configuration does not list yet: the leader may have added it).
    var isFromLeader: Bool {
        switch self {
        case .append, .heartbeat, .snapshot: return true
        default: return false
        }
    }
}
