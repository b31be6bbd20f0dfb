import FabricCore

/// The keep-majority split-brain resolver: when a partition has lasted, the side with more
/// than half the members downs the other side, and the smaller side downs itself, so that at
/// most one side keeps running (learned from Akka's Split Brain Resolver, keep-majority).
///
/// Rules (the integrator's Operations page repeats them):
/// - Input: this node's view, every member that is not down or left with its generation and
///   reachability, given to `onView` whenever it changes. This node always counts as a
///   reachable member of its own side (added if missing). If a node appears twice, its
///   highest generation is kept (an older one is a stale entry); listed twice with the same
///   generation, it is reachable if either entry says so.
/// - Never plain timeout auto-down: nothing is decided while the view is changing. Any change
///   of the view (a member added or removed, a new generation, a reachability flip) restarts
///   the `stableAfter` window. A decision is taken only when some member is unreachable and
///   the view has been unchanged for `stableAfter`.
/// - The decision: with R the reachable members (this node included) and U the unreachable
///   ones, |R| > |U| downs U; |R| < |U| downs this node (`downSelf`, with the reason). A tie
///   goes to the side that holds the lowest `NodeId` of the view (names compare bytewise):
///   both sides can compute it from the same membership, so exactly one side survives. With
///   more than two sides (a|b|c) none may hold a majority: then every side downs itself, which
///   is safe (no two sides run) but leaves nothing running, as in Akka.
/// - Reachability coming back before the window ends cancels it: an all-reachable view decides
///   nothing and clears both windows.
/// - Down-all when unstable (`KeepMajorityConfiguration.downAllWhenUnstable`): if members
///   have been unreachable continuously since some instant t and no decision has come by
///   t + `stableAfter` + that duration (the view kept changing), every other member is downed
///   and then this node too. Akka's reason: views that never settle could let the two sides
///   decide on different views and both survive.
/// - A decision is given once per view; a new decision needs a changed view (downed members
///   leave the view when the shell applies the decision) that then stays stable again. The
///   down-all window restarts after a decision.
/// - Not handled: members reachable from here but not from each other (Akka's "indirectly
///   connected" case), and members that are joining (they count like any other member).
public struct KeepMajority: Sendable {
    /// This node.
    public let selfNode: NodeId
    /// The windows.
    public let configuration: KeepMajorityConfiguration
    /// The current view, sorted by node, one entry per node, this node included.
    public private(set) var view: [KeepMajorityMember]
    /// When the view last changed.
    public private(set) var stableSince: Instant?
    /// Since when some member has been unreachable without a pause, or nil while all are
    /// reachable.
    public private(set) var unreachableSince: Instant?
    /// Whether the current view has been decided on.
    public private(set) var hasDecided = false
    /// Views refused for their size.
    public private(set) var refusedViews = 0

    /// A resolver for `selfNode` whose view so far holds only itself.
    public init(selfNode: NodeId, configuration: KeepMajorityConfiguration = .standard) {
        self.selfNode = selfNode
        self.configuration = configuration
        view = [KeepMajorityMember(node: selfNode, generation: 0, isReachable: true)]
    }

    /// The members this node cannot reach in the current view.
    public var unreachableMembers: [KeepMajorityMember] { view.filter { !$0.isReachable } }

    /// The view changed (or was re-sent; an identical view changes nothing).
    public mutating func onView(_ members: [KeepMajorityMember], now: Instant) -> [DowningDirective] {
        guard members.count <= Limits.downingViewMembersMax else {
            refusedViews += 1
            view = [KeepMajorityMember(node: selfNode, generation: 0, isReachable: true)]
            stableSince = nil
            unreachableSince = nil
            hasDecided = false
            return [.viewRefused(memberCount: members.count)]
        }
        let normalized = Self.normalize(members, selfNode: selfNode)
        if normalized != view {
            view = normalized
            stableSince = now
            hasDecided = false
            if view.allSatisfy(\.isReachable) {
                unreachableSince = nil
            } else if unreachableSince == nil {
                unreachableSince = now
            }
        }
        return onTimer(now: now)
    }

    /// Time passed; decides if a window has ended.
    public mutating func onTimer(now: Instant) -> [DowningDirective] {
        guard !hasDecided, let stableSince, let unreachableSince else { return [] }
        if now >= stableSince + configuration.stableAfter {
            markDecided()
            return decision()
        }
        if let extra = configuration.downAllWhenUnstable,
           now >= unreachableSince + configuration.stableAfter + extra {
            markDecided()
            return downAll(unstableFor: now.duration(since: unreachableSince))
        }
        return []
    }

    /// A decision was given: none more on this view, and the unstable window starts again
    /// from the next view that has unreachable members.
    private mutating func markDecided() {
        hasDecided = true
        unreachableSince = nil
    }

    /// When `onTimer` should next be called, or nil when there is nothing to decide.
    public var nextDeadline: Instant? {
        guard !hasDecided, let stableSince, let unreachableSince else { return nil }
        let stable = stableSince + configuration.stableAfter
        guard let extra = configuration.downAllWhenUnstable else { return stable }
        return min(stable, unreachableSince + configuration.stableAfter + extra)
    }
}
