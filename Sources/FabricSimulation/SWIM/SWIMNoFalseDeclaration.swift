import FabricCore
import MembershipCore

/// Whether a declaration (`unreachable` or `down`) by `observer` about `member` is about the
/// current life of a member that is up and reachable both ways from the observer right now.
/// Declarations about an old generation (a replaced process: the core says `down` for it) or
/// about a member that is paused, crashed or cut off are true ones.
func isAboutLiveReachableMember(_ member: Member, observer: NodeId, faults: SimulationFaultState) -> Bool {
    guard faults.index(of: member.node) != nil, member.node != observer else { return false }
    guard member.identity.generation == UInt64(faults.generation(of: member.node)) else { return false }
    return faults.isLiveAndReachable(member.node, from: observer)
}

/// No live, reachable member is ever declared `unreachable` or `down` by another (SWIM's
/// accuracy, the property Lifeguard improves).
///
/// Checked on every event (exact and free between events). The excuse window: a declaration
/// is excused when it comes within `window` (`SWIMBounds.excuseWindow`: the longest period +
/// the longest suspicion + one probe interval) after the end of ANY member's last fault-state
/// change (`SimulationFaultState.lastChange`: paused, resumed, crashed, restarted,
/// partitioned, cut, healed), counting only changes after the run's origin — in a run that
/// never had a fault, no declaration is ever excused. Any member, not only the declared and
/// the declaring one: a rumour has a third-party origin. Found by this checker (seed
/// 1335781936353846705 of the fault test): m2, isolated, suspects m5, which cannot hear it;
/// the suspicion times out just after the heal, and m2's `unreachable` at m5's incarnation
/// overrides `alive` at that incarnation everywhere (SWIM §4.2: confirm beats alive), so m0,
/// m4 and m6 — never faulted — declare m5 unreachable until m5 hears and refutes. That is the
/// protocol as specified, caused by m2's fault, so it is excused.
public struct SWIMNoFalseDeclaration: SimulationInvariant {
    /// The members this invariant watches.
    public typealias Node = SWIMSimulatedNode
    /// The name failure reports carry.
    public let name = "no live, reachable member is declared unreachable or down"
    /// How long after a fault a declaration is excused.
    public let window: Duration
    /// The run's origin (a last change at the origin is no fault).
    public let origin: Instant

    /// Checked on events only.
    public var cadence: SimulationInvariantCadence { .every(.seconds(86_400)) }

    /// The invariant with the excuse `window`.
    public init(window: Duration, origin: Instant = .zero) {
        self.window = window
        self.origin = origin
    }

    /// Checks one `unreachable` or `down` event (see the type's note for the excuse window).
    public func observe(_ event: MembershipEvent, from observer: NodeId, in view: SimulationView<Node>) -> String? {
        guard event.kind == .unreachable || event.kind == .down else { return nil }
        let faults = view.faults
        guard isAboutLiveReachableMember(event.member, observer: observer, faults: faults) else { return nil }
        var lastFault = origin
        for index in faults.nodeIDs.indices { lastFault = max(lastFault, faults.lastChange(at: index)) }
        if lastFault > origin, view.time.duration(since: lastFault) <= window { return nil }
        let since = lastFault > origin ? "\(SWIMFormat.seconds(lastFault.duration(since: origin)))s" : "the start"
        return "\(observer) declared \(event.member.node) (generation \(event.member.identity.generation), "
            + "incarnation \(event.member.incarnation)) \(event.kind), but it is up and reachable, "
            + "with no fault anywhere since \(since) (excuse window \(SWIMFormat.seconds(window))s)"
    }

    /// Nothing to check between events.
    public func check(_ view: SimulationView<Node>) -> String? { nil }
}
