import FabricCore

/// Something the application should hear about a member.
public struct MembershipEvent: Sendable, Hashable {
    /// What happened.
    public var kind: Kind
    /// The member as it is after the change (for `removed`, as it was).
    public var member: Member

    /// An event.
    public init(kind: Kind, member: Member) {
        self.kind = kind
        self.member = member
    }

    /// What happened.
    public enum Kind: Sendable, Hashable {
        /// First learnt of (from gossip, push-pull or its own message).
        case joined
        /// First direct contact: a message from the member itself while it is alive.
        case up
        /// A probe failed (SWIM §4.2).
        case suspect
        /// The suspicion timed out.
        case unreachable
        /// Back from suspect or unreachable: the member refuted with a higher incarnation.
        case reachable
        /// Decided down (resolver, operator, or a newer generation replaced it).
        case down
        /// Left gracefully.
        case left
        /// Its tombstone expired, or a newer generation replaced it: the entry is gone.
        case removed
    }
}

/// What the shell must do for the core.
public enum MembershipDirective: Sendable, Hashable {
    /// Send `message` one-way to the member actor at `/system/swim` on `to`; it may be lost.
    case send(SWIMMessage, to: NodeId, address: NodeAddress)
    /// Tell the application.
    case event(MembershipEvent)
}
