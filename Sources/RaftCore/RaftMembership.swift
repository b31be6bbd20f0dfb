import FabricCore

/// A group's configuration: its voters, the outgoing voters while a joint configuration
/// C_old,new is in force (thesis §4.3), and its learners.
///
/// In a joint configuration every decision (election, commitment) needs a majority of `voters`
/// (C_new) and a majority of `outgoingVoters` (C_old) separately. Outside one, `outgoingVoters` is
/// empty and only `voters` count. Learners never count.
public struct RaftMembership: Codable, Sendable, Hashable {
    /// The voters of the (incoming) configuration.
    public var voters: Set<NodeId>
    /// The voters of the outgoing configuration while joint; empty otherwise.
    public var outgoingVoters: Set<NodeId>
    /// Members that receive the log but never vote or count toward a quorum.
    public var learners: Set<NodeId>

    /// A configuration of `voters` and `learners`, not joint.
    public init(voters: Set<NodeId> = [], learners: Set<NodeId> = []) {
        self.voters = voters
        self.outgoingVoters = []
        self.learners = learners.subtracting(voters)
    }

    /// Whether a joint configuration is in force.
    public var isJoint: Bool { !outgoingVoters.isEmpty }

    /// Every member: voters of either configuration and learners.
    public var members: Set<NodeId> { voters.union(outgoingVoters).union(learners) }

    /// Whether `node` votes in either configuration.
    public func isVoter(_ node: NodeId) -> Bool { voters.contains(node) || outgoingVoters.contains(node) }

    /// The highest index that a quorum has matched, given each member's match index (thesis
    /// §4.3: in a joint configuration, the smaller of the two majorities' indices).
    func committedIndex(_ match: (NodeId) -> RaftIndex) -> RaftIndex {
        let incoming = Self.majorityIndex(of: voters, match)
        guard isJoint else { return incoming }
        return min(incoming, Self.majorityIndex(of: outgoingVoters, match))
    }

    /// The largest index that a majority of `set` has reached; an empty set constrains nothing.
    static func majorityIndex(of set: Set<NodeId>, _ match: (NodeId) -> RaftIndex) -> RaftIndex {
        guard !set.isEmpty else { return .max }
        let sorted = set.map(match).sorted(by: >)
        return sorted[sorted.count / 2]
    }

    /// The outcome of an election from the votes received so far (granted or refused per voter).
    func voteResult(_ votes: [NodeId: Bool]) -> RaftVoteResult {
        let incoming = Self.voteResult(of: voters, votes)
        guard isJoint else { return incoming }
        let outgoing = Self.voteResult(of: outgoingVoters, votes)
        if incoming == .lost || outgoing == .lost { return .lost }
        if incoming == .won && outgoing == .won { return .won }
        return .pending
    }

    static func voteResult(of set: Set<NodeId>, _ votes: [NodeId: Bool]) -> RaftVoteResult {
        guard !set.isEmpty else { return .won }
        var granted = 0
        var refused = 0
        for voter in set {
            switch votes[voter] {
            case true?: granted += 1
            case false?: refused += 1
            case nil: break
            }
        }
        let majority = set.count / 2 + 1
        if granted >= majority { return .won }
        if refused > set.count - majority { return .lost }
        return .pending
    }

    /// Whether the members marked active form a quorum (check-quorum, thesis §6.2).
    func hasQuorum(_ active: (NodeId) -> Bool) -> Bool {
        voteResult(Dictionary(uniqueKeysWithValues: members.filter { isVoter($0) }.map { ($0, active($0)) })) == .won
    }

    /// The membership after `change`, or why it cannot be applied (§4.3: one change at a time;
    /// a change that would leave no voters, or exceed `Limits.raftMembersMax`, is refused).
    func applying(_ change: RaftConfigurationChange) -> Result<RaftMembership, RaftError> {
        var next = self
        if change.changes.isEmpty {
            guard isJoint else { return .failure(.invalidConfigurationChange("not in a joint configuration")) }
            next.outgoingVoters = []
            return .success(next)
        }
        guard !isJoint else { return .failure(.invalidConfigurationChange("already in a joint configuration")) }
        guard change.changes.count <= Limits.raftChangesPerProposalMax else {
            return .failure(.invalidConfigurationChange("\(change.changes.count) changes in one proposal"))
        }
        next.outgoingVoters = voters
        for member in change.changes {
            switch member {
            case .addVoter(let node):
                next.voters.insert(node)
                next.learners.remove(node)
            case .addLearner(let node):
                guard !next.voters.contains(node) else {
                    return .failure(.invalidConfigurationChange("\(node) is a voter; remove it before adding it as a learner"))
                }
                next.learners.insert(node)
            case .remove(let node):
                next.voters.remove(node)
                next.learners.remove(node)
            }
        }
        guard !next.voters.isEmpty else { return .failure(.invalidConfigurationChange("no voters would be left")) }
        guard next.members.count <= Limits.raftMembersMax else {
            return .failure(.invalidConfigurationChange("more than \(Limits.raftMembersMax) members"))
        }
        if next.voters == voters { next.outgoingVoters = [] }  // only learners changed: no joint phase needed
        return .success(next)
    }
}

/// The state of an election.
enum RaftVoteResult: Sendable, Hashable { case pending, won, lost }
