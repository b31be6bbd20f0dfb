import FabricCore

/// One member as the resolver sees it: who (node and process generation, DESIGN.md §4) and
/// whether this node can reach it. The shell builds the list from its membership view (every
/// member that is not down or left); the resolver depends on no other MembershipCore type.
public struct KeepMajorityMember: Hashable, Sendable, Comparable {
    /// The member's node.
    public let node: NodeId
    /// The member's process generation (what a down decision names, so that a restarted node
    /// with a new generation is not downed by a decision about its predecessor).
    public let generation: UInt64
    /// Whether this node's failure detector currently reaches it.
    public let isReachable: Bool

    /// A member of the view.
    public init(node: NodeId, generation: UInt64, isReachable: Bool) {
        self.node = node
        self.generation = generation
        self.isReachable = isReachable
    }

    /// Orders by node, then generation (the order views are kept and decisions listed in).
    public static func < (lhs: KeepMajorityMember, rhs: KeepMajorityMember) -> Bool {
        (lhs.node, lhs.generation) < (rhs.node, rhs.generation)
    }

    /// The node and generation a down decision names.
    public var target: DowningTarget { DowningTarget(node: node, generation: generation) }
}

/// A member to declare down: the node and the generation the decision is about.
public struct DowningTarget: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The node.
    public let node: NodeId
    /// Its process generation.
    public let generation: UInt64

    /// A target.
    public init(node: NodeId, generation: UInt64) {
        self.node = node
        self.generation = generation
    }

    /// Orders by node, then generation.
    public static func < (lhs: DowningTarget, rhs: DowningTarget) -> Bool {
        (lhs.node, lhs.generation) < (rhs.node, rhs.generation)
    }

    /// `name#generation`.
    public var description: String { "\(node)#\(generation)" }
}

/// What the resolver asks its shell to do; the shell `switch`es over every case.
public enum DowningDirective: Hashable, Sendable {
    /// Declare these members down (sorted by node); this side is the majority (or, with
    /// down-all, the whole view goes).
    case down([DowningTarget])
    /// Down this node: it is on the minority side (or down-all). The shell marks itself down,
    /// says so in its log and events with `reason`, and stops serving.
    case downSelf(reason: String)
    /// A view was refused (more than `Limits.downingViewMembersMax` members); the resolver
    /// forgot its window and decides nothing until a valid view arrives.
    case viewRefused(memberCount: Int)
}
