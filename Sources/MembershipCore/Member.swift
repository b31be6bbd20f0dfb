import FabricCore

/// One process of a node: its name, the generation it drew at start and where it listens.
///
/// The generation is random per process life (DESIGN.md §4) and is not SWIM's incarnation
/// (which the member raises while it lives, to refute rumours). A new generation for a known
/// node means the process restarted: the old generation's entry is replaced, never merged.
public struct MemberIdentity: Sendable, Hashable, Codable {
    /// The node's name.
    public var node: NodeId
    /// Random per process life; a different one is a different process.
    public var generation: UInt64
    /// Where the process listens.
    public var address: NodeAddress

    /// An identity.
    public init(node: NodeId, generation: UInt64, address: NodeAddress) {
        self.node = node
        self.generation = generation
        self.address = address
    }
}

/// What a view says about a member (SWIM §4.2 states, named as the cluster events name them).
public enum MemberStatus: UInt8, Sendable, Hashable, Codable {
    /// Answering probes (SWIM's alive).
    case alive
    /// A probe failed; the member has the suspicion timeout to refute (SWIM §4.2).
    case suspect
    /// The suspicion timed out (SWIM's "faulty"/memberlist's "dead"). Still refutable: the
    /// member itself may answer with a higher incarnation (a healed partition, a paused process).
    case unreachable
    /// Decided by the split-brain resolver or an operator (`onDown`): terminal for the generation.
    case down
    /// Left gracefully: terminal for the generation.
    case left

    /// Whether nothing can change the status any more for this generation.
    public var isTerminal: Bool { self == .down || self == .left }
}

/// A member as a view holds it: who, in what state, at which incarnation.
public struct Member: Sendable, Hashable, Codable {
    /// Who.
    public var identity: MemberIdentity
    /// In what state.
    public var status: MemberStatus
    /// SWIM §4.2: only the member raises its own, to refute a suspicion of itself.
    public var incarnation: UInt64

    /// A member.
    public init(identity: MemberIdentity, status: MemberStatus, incarnation: UInt64) {
        self.identity = identity
        self.status = status
        self.incarnation = incarnation
    }

    /// The node's name.
    public var node: NodeId { identity.node }

    /// Whether this update replaces `current`, an entry about the same process (node and
    /// generation) — the precedence rules of SWIM §4.2, extended with the terminal states:
    ///
    /// | update           | beats alive(j) | beats suspect(j) | beats unreachable(j) | beats down/left |
    /// |------------------|----------------|------------------|----------------------|-----------------|
    /// | alive(i)         | i > j          | i > j            | i > j                | never           |
    /// | suspect(i)       | i ≥ j          | i > j            | i > j                | never           |
    /// | unreachable(i)   | i ≥ j          | i ≥ j            | i > j                | never           |
    /// | down / left      | always         | always           | always               | never           |
    ///
    /// Only the member raises its incarnation, so alive(i > j) is its refutation; a suspicion
    /// at the incarnation it was seen alive with is news; a timed-out suspicion overrides the
    /// suspicion at the same incarnation. Down and left are terminal: the process is finished
    /// for the cluster, and a later process of that node comes with a new generation.
    /// `suspect(i)` over `unreachable(j)` with i > j is the member refuted and suspected again.
    public func overrides(_ current: Member) -> Bool {
        switch (current.status, status) {
        case (.down, _), (.left, _): return false
        case (_, .down), (_, .left): return true
        case (_, .alive): return incarnation > current.incarnation
        case (.alive, .suspect): return incarnation >= current.incarnation
        case (.suspect, .suspect), (.unreachable, .suspect): return incarnation > current.incarnation
        case (.alive, .unreachable), (.suspect, .unreachable): return incarnation >= current.incarnation
        case (.unreachable, .unreachable): return incarnation > current.incarnation
        }
    }
}

/// One rumour carried by gossip: a member's state and who reported it.
///
/// For a suspicion the reporter is the member whose probe failed; Lifeguard §IV-B shrinks the
/// suspicion timeout with each distinct reporter (an independent confirmation).
public struct MemberUpdate: Sendable, Hashable, Codable {
    /// The state reported.
    public var member: Member
    /// The member that reported it.
    public var reporter: NodeId

    /// An update.
    public init(member: Member, reporter: NodeId) {
        self.member = member
        self.reporter = reporter
    }
}
