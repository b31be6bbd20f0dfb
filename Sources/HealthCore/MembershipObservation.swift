/// What membership says about a node, as far as health is concerned.
///
/// HealthCore cannot import MembershipCore (cores depend on FabricCore alone, DESIGN.md §3), so
/// the health shell maps the membership view's status onto this: SWIM's alive, suspect and dead
/// (Das et al. 2002, §4.2), plus the lifecycle around them.
public enum MembershipObservation: Hashable, Sendable, CaseIterable, CustomStringConvertible {
    /// Announced itself, not yet seen as up by the cluster.
    case joining
    /// A member in good standing.
    case alive
    /// Missed its probes; others are waiting for it to refute (SWIM's suspicion).
    case suspect
    /// The failure detector considers it unreachable; not (yet) downed.
    case unreachable
    /// Leaving gracefully: still serving what it has, taking nothing new.
    case leaving
    /// Declared down (by the resolver or an operator); its generation will never come back.
    case down
    /// Left gracefully.
    case left

    /// The status as the CLI prints it (`alive`, `suspect`, …).
    public var description: String {
        switch self {
        case .joining: "joining"
        case .alive: "alive"
        case .suspect: "suspect"
        case .unreachable: "unreachable"
        case .leaving: "leaving"
        case .down: "down"
        case .left: "left"
        }
    }
}
