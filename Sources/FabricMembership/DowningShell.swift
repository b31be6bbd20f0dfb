import FabricCore
import MembershipCore

/// Feeds the keep-majority resolver (`KeepMajority`, pure) this node's membership view and
/// turns its directives into decisions the SWIM member carries out.
///
/// The view is every member that is not down or left; a member counts as reachable unless
/// SWIM made it `unreachable` (a `suspect` one still counts: suspicion is SWIM asking others,
/// not a verdict). The resolver decides nothing while the view keeps changing, and decides
/// once it has been stable for `stableAfter` (DESIGN.md §6: never plain timeout auto-down).
struct DowningShell {
    /// What to do.
    enum Decision: Equatable {
        /// Down another member's process.
        case down(NodeId, generation: UInt64)
        /// This node is on the losing side: down itself.
        case downSelf(reason: String)
    }

    private var resolver: KeepMajority?
    private var lastView: [KeepMajorityMember] = []
    private let me: NodeId
    /// Why the last decision was taken, for the log.
    private(set) var reason = ""
    /// Views the resolver refused for their size.
    private(set) var refusedViews = 0

    /// A shell around a resolver with `configuration`; nil turns downing off (members then stay
    /// unreachable until an operator downs them).
    init(configuration: KeepMajorityConfiguration?, me: NodeId) {
        self.me = me
        resolver = configuration.map { KeepMajority(selfNode: me, configuration: $0) }
    }

    /// When `review` must run again even if the view does not change.
    var nextDeadline: Instant? { resolver?.nextDeadline }

    /// The decisions due now, given the current membership.
    mutating func review(_ members: [Member], now: Instant) -> [Decision] {
        guard resolver != nil else { return [] }
        let view = members.filter { !$0.status.isTerminal }.map {
            KeepMajorityMember(node: $0.identity.node, generation: $0.identity.generation, isReachable: $0.status != .unreachable)
        }
        let directives: [DowningDirective]
        if view != lastView {
            lastView = view
            directives = resolver!.onView(view, now: now)
        } else if let deadline = resolver!.nextDeadline, now >= deadline {
            directives = resolver!.onTimer(now: now)
        } else {
            directives = []
        }
        var decisions: [Decision] = []
        for directive in directives {
            switch directive {
            case .down(let targets):
                let reachable = view.filter(\.isReachable).count
                reason = "keep-majority: \(reachable) of \(view.count) members reachable here, stable for the window"
                for target in targets where target.node != me {
                    decisions.append(.down(target.node, generation: target.generation))
                }
                if targets.contains(where: { $0.node == me }) {
                    decisions.append(.downSelf(reason: "keep-majority downed every member, this one included (the view did not settle)"))
                }
            case .downSelf(let why):
                reason = why
                decisions.append(.downSelf(reason: why))
            case .viewRefused:
                refusedViews += 1
            }
        }
        return decisions
    }
}
